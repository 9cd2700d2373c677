"""Bad input: a clear error, a dead letter, nothing changed in AWS."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from celery.result import AsyncResult

from tests.harness.workers import WorkerProcess, wait_for
from tests.infra.conftest import SAMPLE_TABLES, table_names
from tests.infra.fakes import AwsProxy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BAD_SPECS = """
from tasks.infra.specs import IndexSpec, TableSpec

TABLES = [
    TableSpec(
        name="orders",
        attributes={"order_id": "S"},
        partition_key="order_id",
        indexes=(IndexSpec(name="by-customer", partition_key="customer_id"),),
        billing_mode="PROVISIONED",
    )
]
"""


def dead_letter_of(result: AsyncResult, reason: str, *, contains: str) -> dict[str, Any]:
    """The failed task's error names the problem, and its dead letter has `reason`."""
    from tasks.deadletter import find_by_task_id

    with pytest.raises(Exception, match=re.escape(contains)):
        result.get(timeout=60)
    wait_for(lambda: find_by_task_id(result.id) is not None, timeout_s=30, what="a dead letter")
    entry = find_by_task_id(result.id)
    assert entry is not None
    assert entry["reason"] == reason
    assert contains in entry["exception_message"]
    return entry


def test_unknown_environment(infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient) -> None:
    from tasks.infra.tasks import ensure_tables, validate_tables

    infra_worker()

    ensure = ensure_tables.delay(environment="qa")
    check = validate_tables.delay(environment="Prod; drop")

    dead_letter_of(
        ensure, "validation_error", contains="environment: Input should be 'dev', 'test', 'staging' or 'prod'"
    )
    dead_letter_of(check, "validation_error", contains="environment: Input should be")
    assert table_names(dynamodb) == []


def test_spec_dynamodb_would_reject(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient, tmp_path: Path
) -> None:
    (tmp_path / "bad_specs.py").write_text(BAD_SPECS)
    infra_worker(PYTHONPATH=str(tmp_path), TASKS_INFRA__TABLES="bad_specs:TABLES")
    from tasks.infra.tasks import ensure_tables

    entry = dead_letter_of(ensure_tables.delay(environment="test"), "non_retryable", contains="invalid table specs")

    message = entry["exception_message"]
    assert "key attribute 'customer_id' is not declared in attributes" in message
    assert "billing_mode PROVISIONED needs read_capacity and write_capacity" in message
    assert table_names(dynamodb) == []


def test_force_recreate_is_refused_in_prod(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient
) -> None:
    from tasks.infra.tasks import ensure_tables

    infra_worker()

    result = ensure_tables.delay(environment="prod", force_recreate=True)

    dead_letter_of(result, "validation_error", contains="force_recreate is never allowed in prod")
    assert table_names(dynamodb) == []


def test_missing_credentials(infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient) -> None:
    from tasks.infra import get_status
    from tasks.infra.tasks import ensure_tables

    infra_worker(AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")

    result = ensure_tables.delay(environment="test")

    entry = dead_letter_of(result, "non_retryable", contains="no AWS credentials found")
    assert entry["retries"] == 0
    assert table_names(dynamodb) == []
    assert get_status("test") is None


def test_wrong_credentials(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient, aws_proxy: AwsProxy
) -> None:
    from tasks.infra import get_status
    from tasks.infra.tasks import ensure_tables

    aws_proxy.refuse_key("AKIDWRONG")
    infra_worker(endpoint=aws_proxy.url, AWS_ACCESS_KEY_ID="AKIDWRONG")

    result = ensure_tables.delay(environment="test")

    entry = dead_letter_of(result, "non_retryable", contains="AWS refused the credentials (UnrecognizedClientException")
    assert entry["retries"] == 0
    assert aws_proxy.plan.calls["DescribeTable"] == 1
    assert table_names(dynamodb) == []
    status = get_status("test")
    assert status is not None
    assert (status["status"], status["success"], status["health_status"]) == ("failed", False, "unhealthy")
    assert "AWS refused the credentials" in status["error_message"]


def test_delete_refusals(infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient) -> None:
    from tasks.infra.tasks import delete_tables, ensure_tables

    infra_worker()
    ensure_tables.delay(environment="test").get(timeout=60)
    dynamodb.create_table(
        TableName="prod-users",
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )

    mismatch = delete_tables.delay(environment="test", confirm="tset")
    missing = delete_tables.delay(environment="test")
    prod = delete_tables.delay(environment="prod", confirm="prod")

    dead_letter_of(mismatch, "validation_error", contains="confirm must equal the environment ('test')")
    dead_letter_of(missing, "validation_error", contains="confirm: Field required")
    dead_letter_of(prod, "non_retryable", contains="deleting prod tables is refused unless")
    assert table_names(dynamodb) == sorted([*SAMPLE_TABLES, "prod-users"])
