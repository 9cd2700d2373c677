"""The health view of the last run, and the `dynamodb` dependency check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tasks.settings import Settings
from tests.harness.workers import WorkerProcess
from tests.infra.conftest import aws_env


def record(status: str, **fields: Any) -> dict[str, Any]:
    return {"status": status, "phase": "p", "run_id": "r", **fields}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (record("completed", valid=True), "healthy"),
        (record("completed", valid=False, next_action="x"), "degraded"),
        (record("completed", valid=None), "degraded"),
        (record("failed", error_message="boom"), "unhealthy"),
        (record("retrying", retry_count=3, error_message="throttled"), "degraded"),
        (record("retrying", retry_count=4, error_message="throttled"), "unhealthy"),
        (record("creating_tables"), "degraded"),
        (record("deleted"), "unhealthy"),
        (record("deletion_failed", error_message="boom"), "unhealthy"),
    ],
)
def test_record_health(fields: dict[str, Any], expected: str) -> None:
    from tasks.infra.probes import record_health

    assert record_health(fields)[0] == expected


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str]], Settings]:
    """Set variables for boto3 in this process; the settings read from them."""

    def apply(env: dict[str, str]) -> Settings:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return Settings()

    return apply


def test_not_configured_without_endpoint_or_credentials(settings_env: Callable[[dict[str, str]], Settings]) -> None:
    from tasks.infra.probes import check_dynamodb

    env = {k: v for k, v in aws_env("http://unused").items() if not k.startswith("TASKS_AWS__")}
    settings = settings_env({**env, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})

    result = check_dynamodb(settings)

    assert (result.status, result.message) == (
        "not_configured",
        "no DynamoDB endpoint and no AWS credentials configured",
    )


def test_check_follows_the_tables_and_the_last_run(
    settings_env: Callable[[dict[str, str]], Settings],
    infra_worker: Callable[..., WorkerProcess],
    moto_url: str,
) -> None:
    from tasks.infra.probes import check_dynamodb
    from tasks.infra.tasks import ensure_tables

    settings = settings_env(aws_env(moto_url))
    infra_worker()

    missing = check_dynamodb(settings)
    ensure_tables.delay(environment="test").get(timeout=60)
    present = check_dynamodb(settings)

    assert missing.status == "unhealthy"
    assert missing.message == "table test-users does not exist; no infrastructure run recorded for test"
    assert present.status == "healthy"
    assert present.message == "table test-users is ACTIVE; last run completed and the tables are valid"


def test_health_task_reports_dynamodb(infra_worker: Callable[..., WorkerProcess]) -> None:
    from tasks.health.tasks import check_dependencies
    from tasks.infra.tasks import ensure_tables

    infra_worker()
    ensure_tables.delay(environment="test").get(timeout=60)

    result = check_dependencies.delay().get(timeout=60)

    assert result["checks"]["dynamodb"]["status"] == "healthy"
    assert result["checks"]["dynamodb"]["message"].startswith("table test-users is ACTIVE")
