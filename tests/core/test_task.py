"""The task base through a real worker: keyword arguments only, retry delays the broker can hold."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from celery import Celery

from tests.harness.workers import WorkerProcess, wait_for


def test_positional_arguments_are_refused_and_dead_lettered(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks import deadletter

    sample_worker()
    task_id = app.send_task("testing.work", args=[1]).id

    wait_for(lambda: deadletter.find_by_task_id(task_id) is not None, 30, what="the dead letter")
    entry = deadletter.find_by_task_id(task_id)
    assert entry is not None
    assert entry["reason"] == "validation_error"
    assert "keyword arguments only" in entry["exception_message"]


def test_a_keyword_named_self_is_a_validation_error(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    from tasks import deadletter

    sample_worker()
    task_id = app.send_task("testing.work", kwargs={"self": 1}).id

    wait_for(lambda: deadletter.find_by_task_id(task_id) is not None, 30, what="the dead letter")
    entry = deadletter.find_by_task_id(task_id)
    assert entry is not None
    assert entry["reason"] == "validation_error"
    assert "self: Extra inputs are not permitted" in entry["exception_message"]


def test_a_long_retry_delay_is_capped_below_the_visibility_timeout(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    # Given a broker whose visibility timeout is 4000 s
    worker = sample_worker(env={"TASKS_WORKER__VISIBILITY_TIMEOUT_S": "4000"})

    # When a task asks to be retried in a million seconds
    sent = time.time()
    result = app.send_task("testing.rate_limited", kwargs={"sleep_s": 1_000_000})

    # Then its retry is scheduled at most half the visibility timeout later
    scheduled: list[dict[str, Any]] = []

    def retry_scheduled() -> bool:
        replies = app.control.inspect(destination=[worker.name], timeout=1).scheduled() or {}
        scheduled[:] = [s for s in replies.get(worker.name, []) if s["request"]["id"] == result.id]
        return bool(scheduled)

    wait_for(retry_scheduled, 30, what="the retry scheduled")
    delay_s = datetime.fromisoformat(scheduled[0]["eta"]).timestamp() - sent
    assert 1900 < delay_s <= 2000 + 5
    app.control.revoke(result.id)
