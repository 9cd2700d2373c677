"""Each health check with its dependency up and down; the CLI's exit status; the self-restart."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import redis
from celery import Celery

from tasks.health import history, selfheal
from tasks.health.checks import check_all, check_redis
from tasks.health.workers import check_workers, error_rate
from tasks.infra.status import status_key
from tasks.redis_client import get_redis
from tasks.settings import Settings
from tests.harness.cli import celery
from tests.harness.clients import client_app
from tests.harness.services import RedisServer, free_port
from tests.harness.workers import WorkerProcess, wait_for

SAMPLE_TASKS = "tests.hooks.sample_tasks"


def test_redis_check_follows_the_server(private_redis: RedisServer) -> None:
    assert check_redis(private_redis.url).status == "healthy"

    private_redis.stop()

    result = check_all_with(result_backend=private_redis.url)["checks"]["result_backend"]
    assert result["status"] == "unhealthy"
    assert "ConnectionError" in result["message"]


def check_all_with(**overrides: str) -> dict[str, Any]:
    from tasks import app

    return check_all(app, Settings(_env_file=None, **overrides))  # type: ignore[call-arg, arg-type]


def test_a_dead_result_backend_makes_the_platform_unhealthy() -> None:
    report = check_all_with(result_backend=f"redis://127.0.0.1:{free_port()}/0")

    assert report["status"] == "unhealthy"


def test_no_worker_answering_is_unhealthy(app: Celery, private_redis: RedisServer) -> None:
    client = client_app(broker_url=private_redis.url)

    result = check_workers(client, app.settings)

    assert result.status == "unhealthy"


def test_a_backed_up_queue_degrades_the_workers(
    private_redis: RedisServer, start_worker: Callable[..., WorkerProcess]
) -> None:
    client = client_app(broker_url=private_redis.url)
    start_worker(client=client, env={"TASKS_BROKER_URL": private_redis.url}, queues=["default"])
    for _ in range(4):
        client.send_task("uploads.process_document", kwargs={"source": "nothing.txt"})

    result = check_workers(client, Settings(_env_file=None, health={"queue_depth_threshold": 3}))  # type: ignore[call-arg, arg-type]

    assert result.status == "degraded"
    assert "uploads 4" in result.message


def test_error_rate_is_measured_between_two_totals() -> None:
    assert error_rate({"succeeded": 10, "failed": 0}, {"succeeded": 13, "failed": 1}) == 0.25
    assert error_rate({"succeeded": 10, "failed": 1}, {"succeeded": 10, "failed": 1}) is None
    assert error_rate(None, {"succeeded": 9, "failed": 1}) == 0.1


def test_failing_tasks_since_the_last_check_degrade_the_workers(
    app: Celery, start_worker: Callable[..., WorkerProcess]
) -> None:
    start_worker(env={"TASKS_WORKER__EXTRA_TASK_MODULES": SAMPLE_TASKS}, queues=["default", "scheduled"])
    history.record(check_all(app, app.settings), history.task_totals())
    before = history.task_totals()

    for value in range(3):
        app.send_task("testing.permanent_failure", kwargs={"value": value})
    app.send_task("testing.work", kwargs={"value": 1}).get(timeout=30)
    wait_for(lambda: history.task_totals()["failed"] >= before["failed"] + 3, what="the failures counted")

    result = check_workers(app, app.settings)
    assert result.status == "degraded"
    assert "error rate" in result.message


def test_the_health_task_keeps_its_results_and_logs_a_change(app: Celery, worker: WorkerProcess) -> None:
    get_redis().set(history.LAST, json.dumps({"status": "unhealthy", "checks": {}, "totals": history.task_totals()}))

    report = app.send_task("health.check_dependencies").get(timeout=30)

    assert history.previous() is not None
    assert history.recent(1)[0]["checked_at"] == report["checked_at"]
    wait_for(
        lambda: f"platform health changed from unhealthy to {report['status']}" in worker.log(),
        what="the status change logged",
    )


def test_the_cli_exit_status_follows_the_overall_status(worker: WorkerProcess) -> None:
    def run(**env: str) -> tuple[int, dict[str, object]]:
        done = celery("health", "--json", env=env, timeout_s=60)
        return done.returncode, json.loads(done.stdout)

    code, report = run(TASKS_RESULT_BACKEND=f"redis://127.0.0.1:{free_port()}/0")
    assert (code, report["status"]) == (2, "unhealthy")

    code, report = run()
    assert code == {"healthy": 0, "degraded": 1, "unhealthy": 2}[str(report["status"])]


def test_failed_infrastructure_is_restarted_once_per_window(app: Celery, private_redis: RedisServer) -> None:
    settings = app.settings
    get_redis().delete(selfheal.restart_key(settings.environment))
    get_redis().set(status_key(settings.environment), json.dumps({"status": "failed", "error_message": "boom"}))
    client = client_app(broker_url=private_redis.url)
    broker = redis.Redis.from_url(private_redis.url)

    first = selfheal.restart_failed_infrastructure(client, settings)
    second = selfheal.restart_failed_infrastructure(client, settings)

    assert first is not None
    assert second is None
    assert broker.llen("infra") == 1
    message = json.loads(broker.lindex("infra", 0) or b"{}")
    assert message["headers"]["task"] == "infra.ensure_tables"
    get_redis().delete(status_key(settings.environment))
