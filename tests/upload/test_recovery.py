"""Documents stuck in `processing` are found, requeued, then failed with a dead letter."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

from celery import Celery

from tasks import deadletter
from tasks.redis_client import get_redis
from tasks.upload import get_document, records
from tasks.upload.recovery import find_stale
from tests.harness.workers import WorkerProcess, wait_for

QUEUES = ["default", "uploads", "scheduled"]


def ingest(app: Celery, name: str, text: str) -> str:
    root = Path(app.settings.upload.storage_root)
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)
    result = app.send_task("uploads.process_document", kwargs={"source": name, "collection": "stale"})
    document_id: str = result.get(timeout=120)["document_id"]
    return document_id


def make_stale(document_id: str) -> None:
    records.update(document_id, status="processing", stage="embedding")
    get_redis().zadd(records.processing_key(), {document_id: time.time() - 3600})


def test_finds_documents_processing_past_the_limit() -> None:
    old, fresh, done = (f"stale-{uuid.uuid4().hex[:8]}" for _ in range(3))
    for document_id in (old, fresh, done):
        records.register(document_id, collection="c", filename="f.txt", source="f.txt", task_id=None)
        records.update(document_id, status="processing", stage="parsing", progress=10)
    records.update(done, status="completed")
    now = time.time()

    found = find_stale(60, now_ts=now + 120)
    ids = [record["document_id"] for record in found]

    assert old in ids and fresh in ids and done not in ids
    assert all(record["status"] == "processing" for record in found)
    assert all(record["processing_since_ts"] <= now for record in found)
    assert not {old, fresh} & {record["document_id"] for record in find_stale(60, now_ts=now)}


def test_a_document_leaving_processing_is_no_longer_stale() -> None:
    document_id = f"stale-{uuid.uuid4().hex[:8]}"
    records.update(document_id, status="processing")

    records.update(document_id, (), status="failed", error="gave up")

    assert document_id not in [record["document_id"] for record in find_stale(0, now_ts=time.time() + 10)]


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
