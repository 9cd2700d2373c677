"""A document stopped by the soft time limit is `failed` with a `time_limit` dead letter, never left `processing`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery import Celery

from tests.upload.fake_openai import FakeOpenAI
from tests.upload.helpers import INGEST_TIMEOUT_S, dead_letter


@pytest.fixture
def slow_embeddings() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(embedding_delay_s=4.0).start()
    yield server
    server.stop()


def test_soft_time_limit_fails_the_document(
    slow_embeddings: FakeOpenAI, isolated_worker: Callable[..., Celery], folder: Path, collection: str
) -> None:
    from tasks.upload import get_document

    # Given a worker whose embeddings endpoint answers after 4 s
    client = isolated_worker({"TASKS_UPLOAD__EMBEDDER": "openai", "TASKS_UPLOAD__EMBEDDING_URL": slow_embeddings.url})
    (folder / "doc.txt").write_text("A short note about the harbour's night shift.")
    document_id = f"slow-{collection}"

    # When the document is sent with a soft time limit of 1 s
    result = client.send_task(
        "uploads.process_document",
        kwargs={"source": str(folder / "doc.txt"), "collection": collection, "document_id": document_id},
        soft_time_limit=1,
        time_limit=30,
    )

    # Then it fails at once, its record says why, and the dead letter's reason is time_limit
    with pytest.raises(Exception, match=r"ran past its soft time limit \(1 s\)"):
        result.get(timeout=INGEST_TIMEOUT_S)
    record = get_document(document_id)
    assert record is not None
    assert record["status"] == "failed"
    assert "time limit was reached while " in record["error"]
    entry = dead_letter(result.id)
    assert entry["reason"] == "time_limit"
    assert entry["exception_type"] == "SoftTimeLimitExceeded"
    assert len(slow_embeddings.requests) <= 1
