"""infra.ensure_tables and infra.validate_tables through a real worker against moto over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.harness.workers import WorkerProcess
from tests.infra.conftest import SAMPLE_TABLES, events, table_names
from tests.infra.phases import FRESH_ENVIRONMENT

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RESULT_FIELDS = {
    "success",
    "status",
    "phase",
    "start_time",
    "end_time",
    "duration_s",
    "tables_created",
    "indexes_created",
    "tables_deleted",
    "fixes_applied",
    "error_message",
    "retry_count",
    "environment",
    "owner",
    "run_id",
    "dry_run",
    "valid",
    "issues",
    "plan",
    "drift",
    "health_status",
    "next_action",
}


def ensure(**kwargs: Any) -> dict[str, Any]:
    from tasks.infra.tasks import ensure_tables

    result: dict[str, Any] = ensure_tables.delay(**kwargs).get(timeout=60)
    return result


def validate(**kwargs: Any) -> dict[str, Any]:
    from tasks.infra.tasks import validate_tables

    result: dict[str, Any] = validate_tables.delay(**kwargs).get(timeout=60)
    return result


def index_names(client: DynamoDBClient, table: str) -> list[str]:
    description = client.describe_table(TableName=table)["Table"]
    return sorted(index["IndexName"] for index in description.get("GlobalSecondaryIndexes", []))


def test_fresh_environment_gets_every_table_and_index(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient
) -> None:
    infra_worker()

    result = ensure(environment="test")

    assert set(result) == RESULT_FIELDS
    assert {k: result[k] for k in RESULT_FIELDS - {"start_time", "end_time", "duration_s", "owner", "run_id"}} == {
        "success": True,
        "status": "completed",
        "phase": "done",
        "tables_created": SAMPLE_TABLES,
        "indexes_created": [],
        "tables_deleted": [],
        "fixes_applied": [],
        "error_message": None,
        "retry_count": 0,
        "environment": "test",
        "dry_run": False,
        "valid": True,
        "issues": [],
        "plan": [],
        "drift": [],
        "health_status": "healthy",
        "next_action": "none",
    }
    assert result["duration_s"] >= 0
    assert table_names(dynamodb) == sorted(SAMPLE_TABLES)
    users = dynamodb.describe_table(TableName="test-users")["Table"]
    assert users["TableStatus"] == "ACTIVE"
    assert [(i["IndexName"], i["IndexStatus"]) for i in users["GlobalSecondaryIndexes"]] == [("email-index", "ACTIVE")]
    assert index_names(dynamodb, "test-sessions") == ["token-index", "user-sessions-index"]
    ttl = dynamodb.describe_time_to_live(TableName="test-sessions")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl.get("AttributeName")) == ("ENABLED", "expires_at")
    backups = dynamodb.describe_continuous_backups(TableName="test-users")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    tags = dynamodb.list_tags_of_resource(ResourceArn=users["TableArn"])["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {
        "data": "users",
        "environment": "test",
        "managed-by": "tasks-platform",
    }
    # Environments are isolated: nothing was created for another one.
    assert not [name for name in table_names(dynamodb) if not name.startswith("test-")]


def test_second_run_creates_nothing(infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient) -> None:
    infra_worker()
    first = ensure(environment="test")
    created = {name: dynamodb.describe_table(TableName=name)["Table"]["CreationDateTime"] for name in SAMPLE_TABLES}

    second = ensure(environment="test")

    assert first["tables_created"] == SAMPLE_TABLES
    assert (second["success"], second["valid"]) == (True, True)
    assert (second["tables_created"], second["indexes_created"], second["fixes_applied"]) == ([], [], [])
    assert [event["status"] for event in events("test", second["run_id"])] == [
        "initializing",
        "initializing",
        "validating",
        "completed",
    ]
    assert {name: dynamodb.describe_table(TableName=name)["Table"]["CreationDateTime"] for name in SAMPLE_TABLES} == (
        created
    )


def test_dry_run_writes_nothing_and_reports_the_plan(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient
) -> None:
    infra_worker()

    result = ensure(environment="test", dry_run=True)

    assert table_names(dynamodb) == []
    assert (result["success"], result["status"], result["dry_run"], result["valid"]) == (True, "completed", True, False)
    assert result["tables_created"] == []
    assert result["plan"] == [
        "create table test-users: table test-users does not exist",
        "create table test-sessions: table test-sessions does not exist",
    ]
    assert [issue["kind"] for issue in result["issues"]] == ["missing_table", "missing_table"]


def test_index_deleted_out_of_band_is_reported_and_restored(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient
) -> None:
    infra_worker()
    ensure(environment="test")
    dynamodb.update_table(
        TableName="test-users", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "email-index"}}]
    )

    report = validate(environment="test")
    result = ensure(environment="test")

    assert report == {
        "environment": "test",
        "valid": False,
        "issues": [
            {
                "table": "test-users",
                "kind": "missing_index",
                "fix": "create_index",
                "message": "index email-index is missing",
                "index": "email-index",
            }
        ],
        "drift": [],
    }
    assert (result["success"], result["valid"], result["tables_created"]) == (True, True, [])
    assert result["indexes_created"] == ["test-users/email-index"]
    assert index_names(dynamodb, "test-users") == ["email-index"]
    assert validate(environment="test") == {"environment": "test", "valid": True, "issues": [], "drift": []}


def test_ttl_turned_off_out_of_band_is_restored(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient
) -> None:
    infra_worker()
    ensure(environment="test")
    dynamodb.update_time_to_live(
        TableName="test-sessions", TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires_at"}
    )

    report = validate(environment="test")
    result = ensure(environment="test")

    assert [(i["table"], i["kind"], i["fix"]) for i in report["issues"]] == [("test-sessions", "ttl", "in_place")]
    assert result["fixes_applied"] == ["fix test-sessions: TTL is on nothing, spec wants expires_at"]
    assert (result["success"], result["valid"], result["issues"]) == (True, True, [])
    ttl = dynamodb.describe_time_to_live(TableName="test-sessions")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl.get("AttributeName")) == ("ENABLED", "expires_at")


def test_status_record_through_every_phase(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient
) -> None:
    from tasks.infra import get_status

    infra_worker()
    fresh = ensure(environment="test")
    dynamodb.update_table(
        TableName="test-users", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "email-index"}}]
    )
    dynamodb.update_continuous_backups(
        TableName="test-users", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )

    repair = ensure(environment="test")

    assert [event["status"] for event in events("test", fresh["run_id"])] == FRESH_ENVIRONMENT
    assert [event["status"] for event in events("test", repair["run_id"])] == [
        "initializing",
        "initializing",
        "creating_indexes",
        "waiting_for_indexes",
        "validating",
        "fixing_issues",
        "revalidating",
        "completed",
    ]
    assert get_status("test") == repair
    assert repair["fixes_applied"] == ["fix test-users: point-in-time recovery is off, spec wants on"]


def test_key_schema_change_needs_force_recreate(
    infra_worker: Callable[..., WorkerProcess], dynamodb: DynamoDBClient
) -> None:
    # Given a users table whose key is not the spec's
    infra_worker()
    dynamodb.create_table(
        TableName="test-users",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )

    # When ensure runs without, then with force_recreate
    kept = ensure(environment="test")
    forced = ensure(environment="test", force_recreate=True)

    # Then the first reports and leaves the table; the second re-creates it
    assert (kept["status"], kept["success"], kept["valid"]) == ("completed", False, False)
    assert [(i["kind"], i["fix"]) for i in kept["issues"]] == [("key_schema", "recreate_table")]
    assert "force_recreate" in kept["next_action"]
    assert (forced["success"], forced["valid"]) == (True, True)
    assert forced["fixes_applied"][0].startswith("recreate table, losing its items (only with force_recreate")
    key = dynamodb.describe_table(TableName="test-users")["Table"]["KeySchema"]
    assert key == [{"AttributeName": "user_id", "KeyType": "HASH"}]
