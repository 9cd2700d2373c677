"""One run per environment: concurrent runs, a worker killed holding the lock, throttling."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.harness.workers import WorkerProcess, wait_for
from tests.infra.conftest import SAMPLE_TABLES, events, table_names
from tests.infra.fakes import AwsProxy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def overlapping_runs(environment: str) -> list[tuple[str, str]]:
    """Pairs of runs whose lock-holding stretches interleave in the event stream."""
    holding: str | None = None
    overlaps = []
    for event in events(environment):
        if event["status"] == "retrying" and "is locked by" in event["phase"]:
            continue  # a run that found the lock held: it did nothing
        if holding is None:
            holding = event["run_id"]
        elif event["run_id"] != holding:
            overlaps.append((holding, event["run_id"]))
        if event["status"] in {"completed", "failed", "retrying"}:
            holding = None
    return overlaps


def test_five_concurrent_runs_do_the_work_once(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient, aws_proxy: AwsProxy
) -> None:
    from tasks.infra.tasks import ensure_tables

    infra_worker(endpoint=aws_proxy.url, concurrency=5, TASKS_RETRY__MAX_RETRIES="20")

    pending = [ensure_tables.delay(environment="test") for _ in range(5)]
    results: list[dict[str, Any]] = [result.get(timeout=120) for result in pending]

    assert all(result["success"] and result["valid"] for result in results)
    assert sorted(tuple(result["tables_created"]) for result in results) == [()] * 4 + [tuple(SAMPLE_TABLES)]
    assert aws_proxy.plan.calls["CreateTable"] == len(SAMPLE_TABLES)
    assert table_names(dynamodb) == sorted(SAMPLE_TABLES)
    assert overlapping_runs("test") == []
    busy = [event for event in events("test") if "is locked by" in event["phase"]]
    assert busy, "no run found the lock held: the runs did not overlap in time"


def test_lock_of_a_killed_worker_expires_and_the_next_run_completes(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient, aws_proxy: AwsProxy
) -> None:
    from tasks.infra.lock import holder
    from tasks.infra.probes import health_view
    from tasks.infra.tasks import ensure_tables
    from tasks.redis_client import get_redis

    # Given a run that holds the lock while its CreateTable call hangs
    aws_proxy.hold("CreateTable")
    doomed = infra_worker(endpoint=aws_proxy.url, TASKS_INFRA__LOCK_TTL_S="3")
    ensure_tables.delay(environment="test")
    wait_for(lambda: aws_proxy.plan.calls["DescribeTable"] >= 2, timeout_s=30, what="the first run reading")
    wait_for(lambda: _status() == "creating_tables", timeout_s=30, what="the first run creating tables")
    assert holder(get_redis(), "test") is not None

    # When its worker is killed
    doomed.kill()

    # Then the lock expires by itself, the run is seen as stopped, and the next run completes
    assert holder(get_redis(), "test") is not None
    wait_for(lambda: holder(get_redis(), "test") is None, timeout_s=15, what="the lock to expire")
    assert health_view("test").status == "degraded"
    infra_worker()
    result = ensure_tables.delay(environment="test").get(timeout=60)
    assert (result["success"], result["valid"], result["tables_created"]) == (True, True, SAMPLE_TABLES)
    assert table_names(dynamodb) == sorted(SAMPLE_TABLES)


def _status() -> str | None:
    from tasks.infra import get_status

    record = get_status("test")
    return None if record is None else str(record["status"])


def test_throttling_is_retried_by_botocore(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient, aws_proxy: AwsProxy
) -> None:
    from tasks.infra.tasks import ensure_tables

    aws_proxy.fail("CreateTable", "ThrottlingException", times=2)
    aws_proxy.fail("DescribeTimeToLive", "ProvisionedThroughputExceededException", times=1)
    infra_worker(endpoint=aws_proxy.url)

    result = ensure_tables.delay(environment="test").get(timeout=90)

    assert (result["success"], result["retry_count"], result["tables_created"]) == (True, 0, SAMPLE_TABLES)
    assert aws_proxy.plan.faulted == {"CreateTable": 2, "DescribeTimeToLive": 1}
    assert aws_proxy.plan.calls["CreateTable"] == len(SAMPLE_TABLES) + 2
    assert table_names(dynamodb) == sorted(SAMPLE_TABLES)


def test_throttling_past_botocore_retries_is_retried_by_the_task(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient, aws_proxy: AwsProxy
) -> None:
    from tasks.infra.tasks import ensure_tables

    # Given two attempts per AWS call, and a CreateTable throttled four times running
    aws_proxy.fail("CreateTable", "ThrottlingException", times=4)
    infra_worker(endpoint=aws_proxy.url, TASKS_AWS__MAX_ATTEMPTS="2")

    result = ensure_tables.delay(environment="test").get(timeout=90)

    # Then the task retried, recording `retrying`, and the retry completed the work
    statuses = [event["status"] for event in events("test", result["run_id"])]
    assert statuses.count("retrying") == 2
    assert statuses[-1] == "completed"
    assert (result["success"], result["valid"], result["retry_count"]) == (True, True, 2)
    assert result["tables_created"] == SAMPLE_TABLES
    assert aws_proxy.plan.faulted == {"CreateTable": 4}
    assert table_names(dynamodb) == sorted(SAMPLE_TABLES)
