"""`ensure_environment` in this process: in-place fixes and forced re-creation against moto."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasks.infra.ensure import EnsureOptions, ensure_environment
from tasks.infra.run import RunContext
from tasks.infra.specs import TableSet
from tasks.infra.tables import TABLES
from tasks.redis_client import get_redis
from tasks.settings import InfraSettings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def context(client: DynamoDBClient, run_id: str) -> RunContext:
    return RunContext(
        client=client, redis=get_redis(), settings=InfraSettings(wait_timeout_s=5), run_id=run_id, owner="pytest"
    )


def test_drift_fixed_in_place(dynamodb: DynamoDBClient) -> None:
    # Given a dev environment drifted in billing, capacity and tags, with deletion protection added by hand
    tables = TableSet(tables=tuple(TABLES))
    ensure_environment(context(dynamodb, "fresh"), "dev", tables, EnsureOptions())
    dynamodb.update_table(
        TableName="dev-users",
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    dynamodb.update_table(
        TableName="dev-sessions", ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}
    )
    dynamodb.update_table(TableName="dev-sessions", DeletionProtectionEnabled=True)
    arn = dynamodb.describe_table(TableName="dev-sessions")["Table"]["TableArn"]
    dynamodb.untag_resource(ResourceArn=arn, TagKeys=["data"])

    # When ensure runs
    result = ensure_environment(context(dynamodb, "repair"), "dev", tables, EnsureOptions())

    # Then each shortfall was fixed in place; the extra protection is kept and reported as drift
    assert [line.split(":")[0] for line in result.fixes_applied] == [
        "fix dev-users",
        "fix dev-sessions",
        "fix dev-sessions",
    ]
    assert (result.success, result.valid) == (True, True)
    assert [(i["kind"], i["fix"]) for i in result.issues] == [("deletion_protection", "lower_with_force")]
    assert result.drift == ["dev-sessions: deletion protection is on, spec wants off (switched on outside the spec)"]
    users = dynamodb.describe_table(TableName="dev-users")["Table"]
    assert users["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    sessions = dynamodb.describe_table(TableName="dev-sessions")["Table"]
    assert sessions["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert sessions["DeletionProtectionEnabled"] is True


def test_index_projection_change_needs_force_recreate(dynamodb: DynamoDBClient) -> None:
    tables = TableSet(tables=tuple(TABLES))
    ensure_environment(context(dynamodb, "fresh"), "dev", tables, EnsureOptions())
    changed_index = TABLES[0].indexes[0].model_copy(update={"projection": "KEYS_ONLY"})
    changed = TableSet(tables=(TABLES[0].model_copy(update={"indexes": (changed_index,)}), TABLES[1]))

    kept = ensure_environment(context(dynamodb, "kept"), "dev", changed, EnsureOptions())
    forced = ensure_environment(context(dynamodb, "forced"), "dev", changed, EnsureOptions(force_recreate=True))

    assert (kept.success, [i["kind"] for i in kept.issues]) == (False, ["index_projection"])
    assert (forced.success, forced.valid) == (True, True)
    index = dynamodb.describe_table(TableName="dev-users")["Table"]["GlobalSecondaryIndexes"][0]
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}


def test_skip_validation_only_creates(dynamodb: DynamoDBClient) -> None:
    calls: list[str] = []
    dynamodb.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))

    result = ensure_environment(
        context(dynamodb, "quick"), "dev", TableSet(tables=tuple(TABLES)), EnsureOptions(skip_validation=True)
    )

    assert (result.status, result.valid, result.tables_created) == ("completed", None, ["dev-users", "dev-sessions"])
    assert result.health_status == "degraded"
    assert "DescribeTimeToLive" not in calls
    assert calls.count("CreateTable") == 2
