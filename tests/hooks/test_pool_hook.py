"""The pool hook counts pool processes started, recycled and lost; health and metrics show a stalled pool."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from typing import Any

from celery import Celery

from tasks.health.workers import check_workers
from tasks.metrics import snapshot
from tasks.settings import Settings, get_settings
from tests.harness.cli import celery
from tests.harness.processes import children
from tests.harness.workers import WorkerProcess, wait_for

SLOW_START = "tests.hooks.slow_start"


def stats(worker: WorkerProcess) -> dict[str, Any]:
    from tasks import app

    found: dict[str, Any] = snapshot(app)["workers"].get(worker.name, {})
    return found


def run(app: Celery, count: int, timeout_s: float = 60) -> list[dict[str, Any]]:
    results = [app.send_task("testing.process_info") for _ in range(count)]
    return [result.get(timeout=timeout_s) for result in results]


def test_recycled_pool_processes_are_counted_and_not_lost(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    worker = sample_worker(env={"TASKS_WORKER__MAX_TASKS_PER_CHILD": "2"}, concurrency=2)

    pids = {info["pid"] for info in run(app, 12)}

    assert len(pids) >= 6, "every process ran at most two tasks"
    wait_for(lambda: stats(worker).get("pool_recycled", 0) >= 5, what="the recycled processes counted")
    view = stats(worker)
    assert view["pool_lost"] == 0
    assert view["pool_started"] >= 2 + view["pool_recycled"]
    assert "pool" not in check_workers(app, get_settings()).message


def test_a_killed_pool_process_is_lost_and_degrades_the_workers(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    worker = sample_worker(concurrency=2)
    run(app, 2)

    os.kill(children(worker.pid)[0], signal.SIGKILL)

    wait_for(lambda: stats(worker).get("pool_lost", 0) == 1, what="the killed process counted")
    run(app, 4)
    result = check_workers(app, get_settings())
    assert result.status == "degraded"
    assert f"{worker.name} lost 1 pool process(es) in 300 s" in result.message


def test_a_pool_that_never_reports_ready_is_unhealthy_in_health_and_metrics(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    worker = sample_worker(
        env={
            "TASKS_WORKER__EXTRA_TASK_MODULES": SLOW_START,
            "TESTING_POOL_START_DELAY_S": "3",
            "TASKS_WORKER__PROC_ALIVE_TIMEOUT_S": "1",
            "TASKS_WORKER__MAX_TASKS_PER_CHILD": "1",
        },
        concurrency=1,
    )
    sent = [app.send_task("testing.process_info") for _ in range(5)]

    wait_for(lambda: stats(worker).get("pool_lost", 0) >= 3, timeout_s=60, what="three pool processes lost")

    done = sum(result.ready() for result in sent)
    assert done <= 1, "only the first process ever ran a task"
    assert app.control.ping(destination=[worker.name], timeout=2), "the main process still answers ping"
    health = check_workers(app, get_settings())
    assert health.status == "unhealthy"
    assert f"pool stalled: {worker.name} lost" in health.message
    listed = json.loads(celery("metrics", "--json").stdout)["workers"][worker.name]
    assert listed["pool_lost"] >= 3
    exposition = celery("metrics", "--prometheus").stdout
    assert f'tasks_worker_pool_processes_lost_total{{worker="{worker.name}"}}' in exposition
    assert "Timed out waiting for UP message" in worker.log()


def test_losses_outside_the_window_are_forgotten(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    worker = sample_worker(concurrency=1)
    os.kill(children(worker.pid)[0], signal.SIGKILL)
    wait_for(lambda: stats(worker).get("pool_lost", 0) == 1, what="the killed process counted")
    run(app, 1)
    assert f"{worker.name} lost 1" in check_workers(app, get_settings()).message

    settings = Settings(_env_file=None, health={"pool_loss_window_s": 1})  # type: ignore[call-arg, arg-type]
    wait_for(lambda: "pool" not in check_workers(app, settings).message, timeout_s=10, what="the loss forgotten")
