"""A worker told to stop (SIGTERM) finishes the task it is running before it exits."""

from __future__ import annotations

import signal
from collections.abc import Callable

from celery import Celery

from tasks.redis_client import get_redis
from tests.harness.workers import WorkerProcess, wait_for

SAMPLE_TASKS = "tests.hooks.sample_tasks"


def test_sigterm_lets_the_running_task_finish(app: Celery, start_worker: Callable[..., WorkerProcess]) -> None:
    worker = start_worker(env={"TASKS_WORKER__EXTRA_TASK_MODULES": SAMPLE_TASKS}, queues=["default"])
    result = app.send_task("testing.work", kwargs={"value": 42, "sleep_s": 3})
    wait_for(lambda: get_redis().get(f"tasks:testing:runs:{result.id}") == "1", what="the task started")

    assert worker.process is not None
    worker.process.send_signal(signal.SIGTERM)

    assert worker.process.wait(30) == 0
    assert result.get(timeout=10) == 42
    assert get_redis().get(f"tasks:testing:runs:{result.id}") == "1"
