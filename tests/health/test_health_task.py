"""The health task through a real worker, over Redis and over RabbitMQ."""

from __future__ import annotations

from collections.abc import Callable

from celery import Celery

from tests.harness.clients import client_app
from tests.harness.workers import WorkerProcess

CHECKS = {"redis", "broker", "result_backend", "dynamodb", "vector_store", "github", "workers"}
STATUSES = {"healthy", "degraded", "unhealthy", "not_configured", "unknown"}


def assert_contract_shape(result: dict[str, object]) -> None:
    assert set(result) == {"status", "checked_at", "checks"}
    assert result["status"] in {"healthy", "degraded", "unhealthy"}
    checks = result["checks"]
    assert isinstance(checks, dict)
    assert set(checks) == CHECKS
    for check in checks.values():
        assert set(check) == {"status", "response_ms", "message"}
        assert check["status"] in STATUSES


def test_health_over_redis(app: Celery, worker: WorkerProcess) -> None:
    from tasks.health.tasks import check_dependencies

    result = check_dependencies.delay().get(timeout=30)

    assert_contract_shape(result)
    assert result["checks"]["redis"]["status"] == "healthy"
    assert result["checks"]["broker"]["status"] == "healthy"
    assert result["checks"]["workers"]["status"] == "healthy"
    # Domains not yet checked are never reported healthy.
    assert result["checks"]["dynamodb"]["status"] in {"unknown", "not_configured"}


def test_health_over_rabbitmq(amqp_url: str, start_worker: Callable[..., WorkerProcess]) -> None:
    client = client_app(broker_url=amqp_url)
    start_worker(client=client, env={"TASKS_BROKER_URL": amqp_url})

    result = client.send_task("health.check_dependencies").get(timeout=30)

    assert_contract_shape(result)
    assert result["checks"]["broker"]["status"] == "healthy"
    assert "amqp" in result["checks"]["broker"]["message"]
    assert result["checks"]["workers"]["status"] == "healthy"
