"""infra.delete_tables through a real worker: statuses and what is left in DynamoDB."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tests.harness.workers import WorkerProcess, wait_for
from tests.infra.conftest import SAMPLE_TABLES, events, table_names
from tests.infra.fakes import AwsProxy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def test_delete_removes_only_the_environment_tables(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient
) -> None:
    from tasks.infra import get_status
    from tasks.infra.tasks import delete_tables, ensure_tables

    # Given two environments, one of whose tables is protected against deletion
    infra_worker()
    ensure_tables.delay(environment="test").get(timeout=60)
    ensure_tables.delay(environment="staging").get(timeout=60)
    dynamodb.update_table(TableName="test-users", DeletionProtectionEnabled=True)

    # When the test environment is deleted
    result = delete_tables.delay(environment="test", confirm="test").get(timeout=60)

    # Then its tables are gone, staging's are kept, and the statuses were the contract's
    assert table_names(dynamodb) == ["staging-sessions", "staging-users"]
    assert (result["success"], result["status"], result["tables_deleted"]) == (True, "deleted", SAMPLE_TABLES)
    assert result["health_status"] == "unhealthy"
    assert [event["status"] for event in events("test", result["run_id"])] == [
        "deletion_scheduled",
        "deleting",
        "deleting",
        "deleted",
    ]
    assert get_status("test") == result
    again = delete_tables.delay(environment="test", confirm="test").get(timeout=60)
    assert (again["status"], again["tables_deleted"]) == ("deleted", [])


def test_prod_delete_when_allowed_skips_missing_tables(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient
) -> None:
    from tasks.infra.tasks import delete_tables, ensure_tables

    infra_worker(TASKS_INFRA__ALLOW_PROD_DELETE="true")
    ensure_tables.delay(environment="prod").get(timeout=60)
    dynamodb.delete_table(TableName="prod-sessions")

    result = delete_tables.delay(environment="prod", confirm="prod").get(timeout=60)

    assert (result["success"], result["status"], result["tables_deleted"]) == (True, "deleted", ["prod-users"])
    assert table_names(dynamodb) == []


def test_delete_failure_is_recorded(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient, aws_proxy: AwsProxy
) -> None:
    from tasks.deadletter import find_by_task_id
    from tasks.infra import get_status
    from tasks.infra.tasks import delete_tables, ensure_tables

    infra_worker(endpoint=aws_proxy.url)
    ensure_tables.delay(environment="test").get(timeout=60)
    aws_proxy.fail("DeleteTable", "ValidationException", times=1)

    result = delete_tables.delay(environment="test", confirm="test")

    with pytest.raises(Exception, match="DeleteTable failed with ValidationException"):
        result.get(timeout=60)
    status = get_status("test")
    assert status is not None
    assert (status["status"], status["success"], status["tables_deleted"]) == ("deletion_failed", False, [])
    assert status["phase"] == "deleting test-users (1/2)"
    wait_for(lambda: find_by_task_id(result.id) is not None, timeout_s=30, what="a dead letter")
    assert table_names(dynamodb) == sorted(SAMPLE_TABLES)
