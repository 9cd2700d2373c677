"""Documents stuck in `processing`: found, requeued a bounded number of times, then failed and dead-lettered."""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Celery

from tasks import deadletter
from tasks.errors import PermanentError
from tasks.metrics.recorder import count_now
from tasks.queues import queue_for
from tasks.redis_client import get_redis, key
from tasks.settings import Settings
from tasks.upload import records

logger = logging.getLogger(__name__)

TASK_NAME = "uploads.process_document"


def find_stale(older_than_s: float, *, now_ts: float | None = None) -> list[dict[str, Any]]:
    """Records `processing` for longer than `older_than_s`, oldest first.

    Each record gains `processing_since_ts`, the epoch time it entered `processing`.
    """
    cutoff = (now_ts if now_ts is not None else time.time()) - older_than_s
    stale = []
    for document_id, since_ts in records.processing_since(cutoff):
        record = records.get_document(document_id)
        if record is None or record.get("status") != "processing":
            continue
        stale.append({**record, "processing_since_ts": since_ts})
    return stale


def recoveries_key(document_id: str) -> str:
    """How often a document has been requeued by maintenance; expires after its last recovery."""
    return key("maintenance", "recoveries", document_id)


def count_recovery(document_id: str, ttl_s: int) -> int:
    pipe = get_redis().pipeline(transaction=True)
    pipe.incr(recoveries_key(document_id))
    pipe.expire(recoveries_key(document_id), ttl_s)
    count, _ = pipe.execute()
    return int(count)


class StaleDocument(PermanentError):
    """A document stayed `processing` past every recovery."""


def recover(app: Celery, settings: Settings) -> dict[str, Any]:
    """Requeue or fail every stale document; returns what was done to which."""
    requeued: list[str] = []
    failed: list[str] = []
    for record in find_stale(settings.upload.stale_after_s):
        document_id = record["document_id"]
        attempts = count_recovery(document_id, settings.upload.recovery_count_ttl_s)
        kwargs = original_kwargs(app, record.get("task_id"))
        if kwargs is not None and attempts <= settings.upload.max_recoveries:
            records.update(document_id, status="pending", stage=None, progress=0)
            result = app.send_task(TASK_NAME, kwargs=kwargs, queue=queue_for(TASK_NAME).value)
            records.update(document_id, task_id=result.id)
            logger.warning("requeued stale document %s as task %s (recovery %d)", document_id, result.id, attempts)
            requeued.append(document_id)
            continue
        give_up(document_id, record, kwargs, attempts, settings)
        failed.append(document_id)
    return {"requeued": requeued, "failed": failed}


def original_kwargs(app: Celery, task_id: str | None) -> dict[str, Any] | None:
    """The stale run's arguments, from the result backend's extended metadata."""
    if not task_id:
        return None
    kwargs = app.AsyncResult(task_id).kwargs
    return dict(kwargs) if isinstance(kwargs, dict) and kwargs else None


def give_up(
    document_id: str, record: dict[str, Any], kwargs: dict[str, Any] | None, attempts: int, settings: Settings
) -> None:
    why = (
        f"document {document_id} stayed processing past {attempts - 1} recoveries"
        if kwargs is not None
        else f"document {document_id} stayed processing and its original arguments are gone"
    )
    records.update(document_id, settings.secrets(), status="failed", error=why)
    deadletter.record(
        task_id=record.get("task_id") or document_id,
        task=TASK_NAME,
        queue=queue_for(TASK_NAME).value,
        args=[],
        kwargs=kwargs or {},
        reason="worker_lost",
        exception=StaleDocument(why),
        retries=attempts - 1,
        worker=None,
        dlq=settings.dlq,
        secrets=settings.secrets(),
    )
    count_now(TASK_NAME, "dead_lettered")
    get_redis().delete(recoveries_key(document_id))
    logger.error("%s: marked failed and dead-lettered", why)
