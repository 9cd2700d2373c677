"""Documents stuck in `processing` are requeued, then failed with a dead letter."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from celery import Celery

from tasks import deadletter
from tasks.redis_client import get_redis
from tasks.settings import get_settings
from tasks.upload import get_document, records
from tests.harness.workers import WorkerProcess, wait_for

QUEUES = ["default", "uploads", "scheduled"]


def ingest(app: Celery, name: str, text: str) -> str:
    root = Path(get_settings().upload.storage_root)
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)
    result = app.send_task("uploads.process_document", kwargs={"source": name, "collection": "stale"})
    document_id: str = result.get(timeout=120)["document_id"]
    return document_id


def make_stale(document_id: str) -> None:
    records.update(document_id, status="processing", stage="embedding")
    get_redis().zadd(records.processing_key(), {document_id: time.time() - 3600})


def test_a_stale_document_is_requeued_and_completes(app: Celery, start_worker: Callable[..., WorkerProcess]) -> None:
    start_worker(env={"TASKS_UPLOAD__STALE_AFTER_S": "60"}, queues=QUEUES)
    document_id = ingest(app, "stale-requeue.txt", "A document that a crashed worker left half done. " * 20)
    make_stale(document_id)

    outcome = app.send_task("maintenance.recover_stale_documents").get(timeout=60)

    assert outcome == {"requeued": [document_id], "failed": []}
    wait_for(
        lambda: (get_document(document_id) or {}).get("status") == "completed",
        timeout_s=120,
        what="the requeued document completed",
    )


def test_a_document_stale_past_its_recoveries_is_failed_and_dead_lettered(
    app: Celery, start_worker: Callable[..., WorkerProcess]
) -> None:
    start_worker(env={"TASKS_UPLOAD__STALE_AFTER_S": "60", "TASKS_UPLOAD__MAX_RECOVERIES": "0"}, queues=QUEUES)
    document_id = ingest(app, "stale-fail.txt", "A document whose every run dies. " * 20)
    task_id = (get_document(document_id) or {})["task_id"]
    make_stale(document_id)

    outcome = app.send_task("maintenance.recover_stale_documents").get(timeout=60)

    assert outcome == {"requeued": [], "failed": [document_id]}
    record = get_document(document_id) or {}
    assert record["status"] == "failed"
    assert "stayed processing" in record["error"]
    entry = deadletter.find_by_task_id(task_id)
    assert entry is not None
    assert entry["reason"] == "worker_lost"
    assert entry["kwargs"]["source"] == "stale-fail.txt"
