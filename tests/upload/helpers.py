"""Helpers of the upload tests that talk to a real worker."""

from __future__ import annotations

import time
from typing import Any

from celery import Celery
from celery.result import AsyncResult

#: Bound on one document's ingestion in the tests.
INGEST_TIMEOUT_S = 120


def submit(client: Celery | None = None, **kwargs: Any) -> AsyncResult:
    """Send `uploads.process_document`, through `client` (an isolated worker's broker) when given."""
    if client is not None:
        sent: AsyncResult = client.send_task("uploads.process_document", kwargs=kwargs)
        return sent
    from tasks.upload import process_document

    result: AsyncResult = process_document.apply_async(kwargs=kwargs)
    return result


def ingest(client: Celery | None = None, **kwargs: Any) -> dict[str, Any]:
    outcome: dict[str, Any] = submit(client, **kwargs).get(timeout=INGEST_TIMEOUT_S)
    return outcome


def dead_letter(task_id: str, timeout_s: float = 20) -> dict[str, Any]:
    """The dead-letter entry of `task_id`, once the hook has written it."""
    from tasks.deadletter import find_by_task_id

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        entry = find_by_task_id(task_id)
        if entry is not None:
            return entry
        time.sleep(0.1)
    raise AssertionError(f"no dead letter for task {task_id} after {timeout_s} s")


def chunk_ids(collection: str, document_id: str) -> list[str]:
    from tasks.settings import get_settings
    from tasks.upload import vector_store
    from tasks.upload.embedding import get_embedder

    settings = get_settings()
    store = vector_store.Store.from_settings(settings)
    return vector_store.document_chunk_ids(store, collection, get_embedder(settings.upload).name, document_id)
