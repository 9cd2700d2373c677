"""The upload tasks: `uploads.process_document` (a thin task over tasks.upload.pipeline),
`maintenance.recover_stale_documents`, and the worker's embedder check."""

from __future__ import annotations

import logging
import time
from typing import Any

from billiard.exceptions import SoftTimeLimitExceeded
from celery import current_app, signals
from celery.utils.saferepr import saferepr

from tasks.core.task import NoParams, PlatformTask, platform_task
from tasks.queues import Queue
from tasks.upload.embedding import check_available, warm_up_in_background
from tasks.upload.errors import EmbedderMissing, TimeLimitReached
from tasks.upload.params import ProcessDocumentParams
from tasks.upload.pipeline import ingest
from tasks.upload.recovery import recover

logger = logging.getLogger(__name__)


@platform_task(name="uploads.process_document", params=ProcessDocumentParams, bind=True)
def process_document(task: PlatformTask, params: ProcessDocumentParams) -> dict[str, Any]:
    """Ingest one document into its collection; progress in the record, as Celery `PROGRESS` state and events."""

    def progress(document_id: str, stage: str, percent: int) -> None:
        meta = {"document_id": document_id, "stage": stage, "progress": percent}
        task.update_state(state="PROGRESS", meta=meta)
        send_progress(task, meta)

    soft_s = _soft_limit_s(task)
    try:
        return ingest(
            params,
            task.settings,
            task_id=task.request.id,
            progress=progress,
            final_attempt=task.budget_spent,
            stopped_by=(SoftTimeLimitExceeded,),
            deadline=time.monotonic() + soft_s if soft_s else None,
        )
    except (SoftTimeLimitExceeded, TimeLimitReached):
        # Never retried: the same document would only hit the same limit again.
        raise SoftTimeLimitExceeded(f"{task.name} ran past its soft time limit ({soft_s:g} s)") from None


def send_progress(task: PlatformTask, meta: dict[str, Any]) -> None:
    """A `task-progress` event: Flower shows the task `PROGRESS`, with `meta` as its result until it ends.

    Flower keeps an event's fields on its task but shows only Celery's own (`result` among them),
    so the stage and percent travel as `result` too; the task's final result replaces it.
    Best effort: the record stays the source of truth, so a lost event only leaves Flower behind.
    """
    try:
        task.send_event(
            "task-progress", retry=False, result=saferepr(meta), stage=meta["stage"], percent=meta["progress"]
        )
    except Exception as error:
        logger.warning("could not send the progress event of %s: %s", task.request.id, error)


# Named `maintenance.` for its queue (`scheduled`, routed by name) and its schedule entry.
@platform_task(name="maintenance.recover_stale_documents", bind=True)
def recover_stale_documents(task: PlatformTask, _: NoParams) -> dict[str, Any]:
    """Requeue documents stuck in `processing`, or fail them after too many recoveries."""
    return recover(task.app, task.settings)


def _soft_limit_s(task: PlatformTask) -> float | None:
    """The limit in force: the message's own (`soft_time_limit=` when sent), else the queue's."""
    limits = task.request.timelimit or (None, None)
    soft = limits[1] or task.soft_time_limit
    return float(soft) if soft else None


def _consumes_uploads(worker: Any) -> bool:
    return _app_consumes_uploads(worker.app)


def _app_consumes_uploads(app: Any) -> bool:
    """True when the worker's `-Q` includes uploads, or names no queue (all of them)."""
    queues = getattr(getattr(app.amqp, "queues", None), "consume_from", None)
    return queues is None or Queue.UPLOADS.value in queues


@signals.worker_init.connect
def _check_embedder(sender: Any = None, **_: Any) -> None:
    """A worker serving uploads refuses to start when its embedder cannot work (never a silent switch)."""
    if sender is None or not _consumes_uploads(sender):
        return
    try:
        check_available(sender.app.settings.upload)
    except EmbedderMissing as error:
        logger.critical("cannot start: %s", error)
        # SystemExit passes through Celery's signal dispatch, which swallows ordinary exceptions.
        raise SystemExit(f"worker not started: {error}") from None


@signals.worker_process_init.connect
def _load_embedder(**_: Any) -> None:
    """A pool process of a worker serving uploads loads its model in the background.

    Loading all-MiniLM-L6-v2 (torch included) takes longer than the time a new pool
    process has to report ready; done before the report, every recycled process was
    killed and the worker stalled. A process that serves no uploads never needs it.
    """
    # The signal names no sender; in a pool process the current app is the worker's.
    settings = current_app.settings.upload
    if settings.embedder == "sentence-transformers" and _app_consumes_uploads(current_app):
        warm_up_in_background(settings)
