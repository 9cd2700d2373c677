"""Waiting for indexes that are not ACTIVE yet (moto makes them ACTIVE at once; the proxy says otherwise)."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from tasks.infra import apply
from tasks.infra.ensure import EnsureOptions, ensure_environment
from tasks.infra.errors import WaitTimeout
from tasks.infra.plan import create_table_request
from tasks.infra.run import RunContext
from tasks.infra.specs import TableSet
from tasks.infra.tables import TABLES
from tasks.redis_client import get_redis
from tasks.settings import InfraSettings
from tests.infra.conftest import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, events
from tests.infra.fakes import AwsProxy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

USERS = TABLES[0]


def creating(answer: dict[str, Any]) -> dict[str, Any]:
    for index in answer["Table"].get("GlobalSecondaryIndexes", []):
        index["IndexStatus"] = "CREATING"
    return answer


@pytest.fixture
def via_proxy(aws_proxy: AwsProxy, monkeypatch: pytest.MonkeyPatch) -> DynamoDBClient:
    monkeypatch.setattr(apply, "WAIT_DELAY_S", 0.01)
    return boto3.session.Session().client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=aws_proxy.url,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


def context(client: DynamoDBClient, wait_timeout_s: int) -> RunContext:
    settings = InfraSettings(wait_timeout_s=wait_timeout_s)
    return RunContext(client=client, redis=get_redis(), settings=settings, run_id="wait", owner="pytest")


def users_without_index(dynamodb: DynamoDBClient) -> TableSet:
    bare = USERS.model_copy(update={"indexes": (), "attributes": {"user_id": "S"}})
    dynamodb.create_table(**create_table_request(bare, "dev"))
    return TableSet(tables=(USERS,))


def test_the_run_waits_for_the_backfill(
    dynamodb: DynamoDBClient, via_proxy: DynamoDBClient, aws_proxy: AwsProxy
) -> None:
    tables = users_without_index(dynamodb)
    # Two looks before the index exists (the first read, the check before UpdateTable), then four CREATING.
    aws_proxy.rewrite("DescribeTable", creating, times=6)

    result = ensure_environment(context(via_proxy, 5), "dev", tables, EnsureOptions())

    assert (result.success, result.indexes_created) == (True, ["dev-users/email-index"])
    assert aws_proxy.plan.rewrites["DescribeTable"] == []
    assert aws_proxy.plan.calls["DescribeTable"] >= 7
    statuses = [event["status"] for event in events("dev", "wait")]
    assert statuses[statuses.index("creating_indexes") + 1] == "waiting_for_indexes"


def test_a_backfill_past_the_bound_is_retryable_and_recorded(
    dynamodb: DynamoDBClient, via_proxy: DynamoDBClient, aws_proxy: AwsProxy
) -> None:
    from tasks.infra import get_status

    tables = users_without_index(dynamodb)
    aws_proxy.rewrite("DescribeTable", creating, times=10_000)
    retrying = dataclasses.replace(context(via_proxy, 1), final_attempt=False)

    with pytest.raises(
        WaitTimeout,
        match=re.escape("gave up waiting for index dev-users/email-index to become ACTIVE (backfill) after 1 s"),
    ):
        ensure_environment(retrying, "dev", tables, EnsureOptions())

    status = get_status("dev")
    assert status is not None
    assert (status["status"], status["retry_count"], status["health_status"]) == ("retrying", 1, "degraded")
    assert status["next_action"] == "retried automatically with backoff"
