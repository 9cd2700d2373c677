"""OpenAI-compatible endpoints: embeddings (batched, 429 retried) and chat-written questions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from celery import Celery

from tests.upload.fake_openai import FakeOpenAI
from tests.upload.helpers import ingest

if TYPE_CHECKING:
    from tasks.settings import Settings


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def test_openai_embedder_batches_and_retries_throttling(
    fake_openai: FakeOpenAI, isolated_worker: Callable[..., Celery], folder: Path, collection: str
) -> None:
    fake_openai.throttle_first = 2
    client = isolated_worker(
        {
            "TASKS_UPLOAD__EMBEDDER": "openai",
            "TASKS_UPLOAD__EMBEDDING_URL": fake_openai.url,
            "TASKS_UPLOAD__EMBEDDING_API_KEY": "sk-test-secret",
            "TASKS_UPLOAD__EMBEDDING_MODEL": "fake-embed",
            "TASKS_UPLOAD__EMBEDDING_BATCH_SIZE": "4",
        }
    )
    (folder / "doc.txt").write_text("\n\n".join(f"Paragraph {n} about lighthouses." * 4 for n in range(10)))

    result = ingest(client, source=str(folder / "doc.txt"), collection=collection, chunk_size=150, chunk_overlap=0)

    assert result["status"] == "completed"
    embedded = [request for request in fake_openai.requests[2:] if request["path"] == "/v1/embeddings"]
    assert sum(len(request["body"]["input"]) for request in embedded) == result["chunk_count"]
    assert max(len(request["body"]["input"]) for request in embedded) == 4
    assert {request["body"]["model"] for request in embedded} == {"fake-embed"}
    assert {request["auth"] for request in fake_openai.requests} == {"Bearer sk-test-secret"}


def test_questions_are_generated_per_chunk(
    fake_openai: FakeOpenAI, isolated_worker: Callable[..., Celery], folder: Path, collection: str, settings: Settings
) -> None:
    from tasks.upload import vector_store
    from tasks.upload.embedding.hashing import HashingEmbedder

    client = isolated_worker({"TASKS_UPLOAD__CHAT_URL": fake_openai.url, "TASKS_UPLOAD__CHAT_MODEL": "fake-chat"})
    (folder / "doc.txt").write_text("Lighthouses guide ships at night.\n\nHarbours shelter boats from storms.")

    result = ingest(
        client, source=str(folder / "doc.txt"), collection=collection, num_questions=2, chunk_size=40, chunk_overlap=0
    )

    chunks = sorted(
        vector_store.all_chunks(vector_store.Store.from_settings(settings), collection, HashingEmbedder.name),
        key=lambda hit: hit.id,
    )
    assert len(chunks) == result["chunk_count"] == 2
    assert chunks[0].metadata["questions"] == ["What does the passage say about Lighthouses?", "Why does it matter?"]
    assert chunks[1].metadata["questions"][0] == "What does the passage say about Harbours?"
    chats = [request for request in fake_openai.requests if request["path"] == "/v1/chat/completions"]
    assert len(chats) == 2
    assert {request["body"]["model"] for request in chats} == {"fake-chat"}
