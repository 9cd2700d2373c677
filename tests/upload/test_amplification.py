"""Arguments that multiply work: too many chunks or questions for one document are refused before embedding."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery import Celery

from tasks.upload.chunking import chunk_pages
from tasks.upload.errors import TooManyChunks, TooManyQuestions
from tasks.upload.limits import check_chunks, check_questions, estimate_chunks
from tests.upload.fake_openai import FakeOpenAI
from tests.upload.helpers import INGEST_TIMEOUT_S, dead_letter, submit


@pytest.mark.parametrize(("length", "size", "overlap"), [(1, 10, 0), (10, 10, 3), (11, 10, 3), (5000, 100, 10)])
def test_the_estimate_is_exact_for_fixed_chunks(length: int, size: int, overlap: int) -> None:
    chunks = chunk_pages(["x" * length], strategy="fixed", size=size, overlap=overlap)

    assert estimate_chunks(length, size, overlap) == len(chunks)


def test_limits_name_the_field_and_the_setting() -> None:
    with pytest.raises(TooManyChunks, match=r"chunk_size: .* over TASKS_UPLOAD__MAX_CHUNKS_PER_DOCUMENT \(10\)"):
        check_chunks(11, 10, length=5000, estimated=True)
    with pytest.raises(TooManyQuestions, match="num_questions: 3 per chunk over 4 chunks asks 12 questions"):
        check_questions(3, 4, 10)
    check_chunks(10, 10, length=5000, estimated=False)
    check_questions(2, 5, 10)


@pytest.fixture
def fake_chat() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def refused(client: Celery, problem: str, **kwargs: object) -> None:
    from tasks.upload import get_document

    result = submit(client, document_id="amplified", **kwargs)
    with pytest.raises(Exception, match=problem):
        result.get(timeout=INGEST_TIMEOUT_S)
    entry = dead_letter(result.id)
    assert entry["reason"] == "validation_error"
    assert problem in entry["exception_message"]
    record = get_document("amplified")
    assert record is not None and record["status"] == "failed"
    assert record["chunk_count"] in (None, 0)


def test_too_many_chunks_are_refused_before_chunking(
    isolated_worker: Callable[..., Celery], folder: Path, collection: str
) -> None:
    client = isolated_worker({"TASKS_UPLOAD__MAX_CHUNKS_PER_DOCUMENT": "10"})
    (folder / "long.txt").write_text("word " * 4000)

    refused(
        client,
        "chunk_size: 19999 characters with this chunk_size and chunk_overlap make about 39 chunks",
        source=str(folder / "long.txt"),
        collection=collection,
        chunking_strategy="fixed",
        chunk_size=1000,
        chunk_overlap=500,
    )


def test_too_many_questions_are_refused_before_any_chat_call(
    fake_chat: FakeOpenAI, isolated_worker: Callable[..., Celery], folder: Path, collection: str
) -> None:
    client = isolated_worker({"TASKS_UPLOAD__CHAT_URL": fake_chat.url, "TASKS_UPLOAD__MAX_QUESTIONS_PER_DOCUMENT": "5"})
    (folder / "doc.txt").write_text("\n\n".join(f"Paragraph {n} about harbour cranes and tides." for n in range(8)))

    refused(
        client,
        "num_questions: 2 per chunk over",
        source=str(folder / "doc.txt"),
        collection=collection,
        chunk_size=60,
        chunk_overlap=0,
        num_questions=2,
    )
    assert fake_chat.requests == []


def test_a_refused_forced_rerun_keeps_the_completed_document(
    isolated_worker: Callable[..., Celery], folder: Path, collection: str
) -> None:
    from tasks.upload import get_document

    # Given a document ingested in 4 chunks
    client = isolated_worker({"TASKS_UPLOAD__MAX_CHUNKS_PER_DOCUMENT": "10"})
    (folder / "kept.txt").write_text("word " * 800)
    source = str(folder / "kept.txt")
    common = {"source": source, "collection": collection, "chunking_strategy": "fixed", "document_id": "kept"}
    first = submit(client, **common, chunk_size=1000, chunk_overlap=0)
    assert first.get(timeout=INGEST_TIMEOUT_S)["chunk_count"] == 4

    # When a forced re-run asks for more chunks than allowed
    rerun = submit(client, **common, chunk_size=100, chunk_overlap=0, force=True)
    with pytest.raises(Exception, match="chunk_size"):
        rerun.get(timeout=INGEST_TIMEOUT_S)

    # Then the re-run is dead-lettered and the earlier ingestion stays completed and searchable
    assert dead_letter(rerun.id)["reason"] == "validation_error"
    record = get_document("kept") or {}
    assert (record["status"], record["chunk_count"], record["task_id"]) == ("completed", 4, first.id)
    assert "a forced re-run failed" in record["error"]
