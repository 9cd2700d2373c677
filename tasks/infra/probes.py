"""Health of an environment's tables: a view of the last run, and the `dynamodb` dependency check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

from tasks.core.probe import CheckResult
from tasks.infra.client import aws_configured, build_client
from tasks.infra.errors import aws_errors
from tasks.infra.live import Reader
from tasks.infra.lock import holder
from tasks.infra.specs import load_tables
from tasks.infra.status import TERMINAL, HealthStatus, get_status
from tasks.redis_client import get_redis
from tasks.settings import Settings

#: A run retrying more often than this makes the environment unhealthy.
MAX_HEALTHY_RETRIES = 3
RANK: dict[str, int] = {"healthy": 0, "unknown": 0, "degraded": 1, "unhealthy": 2}


@dataclass(frozen=True)
class HealthView:
    status: HealthStatus
    message: str


def record_health(record: dict[str, Any]) -> tuple[HealthStatus, str]:
    """Health of one execution result: healthy only when completed and valid."""
    status, phase = record["status"], record.get("phase", "")
    if status == "completed":
        if record.get("valid") is True:
            return "healthy", "last run completed and the tables are valid"
        if record.get("valid") is None:
            return "degraded", "last run completed without validation"
        return "degraded", f"last run completed with unresolved issues: {record.get('next_action', '')}"
    if status in {"failed", "deletion_failed"}:
        return "unhealthy", f"last run {status}: {record.get('error_message')}"
    if status == "retrying":
        retries = int(record.get("retry_count", 0))
        level: HealthStatus = "unhealthy" if retries > MAX_HEALTHY_RETRIES else "degraded"
        return level, f"last run retrying (retry {retries}): {record.get('error_message')}"
    if status == "deleted":
        return "unhealthy", "the environment's tables were deleted"
    if status == "idle":
        return "unknown", "no run yet"
    return "degraded", f"run in progress: {status} ({phase})"


def health_view(environment: str, client: redis.Redis | None = None) -> HealthView:
    """The last status's health; a run that stopped mid-way (its lock is gone) is reported as such."""
    client = client or get_redis()
    record = get_status(environment, client)
    if record is None:
        return HealthView("unknown", f"no infrastructure run recorded for {environment}")
    level, message = record_health(record)
    if record["status"] not in TERMINAL and record["status"] != "idle" and holder(client, environment) is None:
        return HealthView("degraded", f"run {record['run_id']} stopped in {record['status']}; the next run resumes")
    return HealthView(level, message)


def check_dynamodb(settings: Settings) -> CheckResult:
    """The infrastructure health view plus one DescribeTable of the environment's first table.

    `not_configured` when neither an endpoint nor AWS credentials are configured.
    """
    if not aws_configured(settings.aws):
        return CheckResult("not_configured", "no DynamoDB endpoint and no AWS credentials configured")
    environment = settings.environment
    view = health_view(environment)
    name = next(iter(load_tables(settings.infra.tables).for_environment(environment)))
    with aws_errors():
        description = Reader(build_client(settings.aws, probe=True), deep=False).describe(name)
    if description is None:
        table: tuple[HealthStatus, str] = ("unhealthy", f"table {name} does not exist")
    else:
        state = description["TableStatus"]
        table = ("healthy" if state == "ACTIVE" else "degraded", f"table {name} is {state}")
    status = max((view.status, table[0]), key=lambda level: RANK[level])
    return CheckResult("healthy" if status == "unknown" else status, f"{table[1]}; {view.message}")
