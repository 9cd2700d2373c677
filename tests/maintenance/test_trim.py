"""maintenance.trim_dead_letters removes entries past retention through a real worker."""

from __future__ import annotations

import time

from celery import Celery

from tasks import deadletter
from tasks.deadletter.store import INDEX
from tasks.redis_client import get_redis
from tasks.settings import get_settings
from tests.harness.workers import WorkerProcess


def test_entries_past_retention_are_trimmed(app: Celery, worker: WorkerProcess) -> None:
    old = deadletter.record(
        task_id="old-1",
        task="testing.trim",
        queue="default",
        args=[],
        kwargs={},
        reason="non_retryable",
        exception=RuntimeError("old"),
        retries=0,
        worker=None,
        dlq=get_settings().dlq,
        secrets=(),
    )
    fresh = deadletter.record(
        task_id="fresh-1",
        task="testing.trim",
        queue="default",
        args=[],
        kwargs={},
        reason="non_retryable",
        exception=RuntimeError("fresh"),
        retries=0,
        worker=None,
        dlq=get_settings().dlq,
        secrets=(),
    )
    get_redis().zadd(INDEX, {old["id"]: time.time() - 40 * 86_400})

    outcome = app.send_task("maintenance.trim_dead_letters").get(timeout=30)

    assert outcome["removed"] >= 1
    assert deadletter.get(old["id"]) is None
    assert deadletter.get(fresh["id"]) is not None
