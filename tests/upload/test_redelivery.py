"""A worker process SIGKILLed mid-pipeline: the redelivered task leaves exactly one set of chunks."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

from celery import Celery

from tasks.upload.vector_store import chunk_id
from tests.harness.workers import RUNNING, wait_for
from tests.upload.helpers import INGEST_TIMEOUT_S, chunk_ids, ingest, submit


def pool_children(main_pid: int) -> list[int]:
    text = Path(f"/proc/{main_pid}/task/{main_pid}/children").read_text()
    return [int(pid) for pid in text.split()]


def paragraphs(tag: str, count: int) -> str:
    return "\n\n".join(
        f"{tag} paragraph {n}. " + f"{tag} words about the harbour and its cranes. " * 10 for n in range(count)
    )


def test_sigkill_mid_pipeline_then_redelivery(
    isolated_worker: Callable[..., Celery], folder: Path, collection: str
) -> None:
    from tasks.upload import get_document

    # Given a document already stored with many chunks (version A) ...
    client = isolated_worker({})
    worker = RUNNING[-1]
    (folder / "a.txt").write_text(paragraphs("alpha", 3000))
    (folder / "b.txt").write_text(paragraphs("beta", 2000))
    first = ingest(client, source=str(folder / "a.txt"), collection=collection, document_id="doc-r", chunk_size=400)
    # ... when version B (fewer chunks) is being ingested and its worker process is killed mid-way,
    pending = submit(client, source=str(folder / "b.txt"), collection=collection, document_id="doc-r", chunk_size=400)

    def mid_pipeline() -> bool:
        record = get_document("doc-r") or {}
        return record.get("task_id") == pending.id and record.get("stage") in {"embedding", "storing"}

    wait_for(mid_pipeline, timeout_s=60, interval_s=0.01, what="the second ingestion mid-pipeline")
    (victim,) = pool_children(worker.pid)
    os.kill(victim, signal.SIGKILL)

    # then the redelivered task finishes with B's chunks only: none of A's, none twice.
    result = pending.get(timeout=INGEST_TIMEOUT_S)
    assert victim not in pool_children(worker.pid)
    assert result["status"] == "completed"
    assert 0 < result["chunk_count"] < first["chunk_count"]
    assert chunk_ids(collection, "doc-r") == [chunk_id("doc-r", i) for i in range(result["chunk_count"])]
    record = get_document("doc-r")
    assert record is not None and record["status"] == "completed" and record["chunk_count"] == result["chunk_count"]
    assert "Worker exited prematurely" in worker.log() or "WorkerLostError" in worker.log()
    texts = all_texts(collection, "doc-r")
    assert len(texts) == result["chunk_count"]
    assert all("beta" in text and "alpha" not in text for text in texts)


def all_texts(collection: str, document_id: str) -> list[str]:
    from tasks.settings import get_settings
    from tasks.upload import vector_store
    from tasks.upload.embedding import get_embedder

    settings = get_settings()
    store = vector_store.Store.from_settings(settings)
    return [
        hit.text
        for hit in vector_store.all_chunks(store, collection, get_embedder(settings.upload).name)
        if hit.metadata["document_id"] == document_id
    ]
