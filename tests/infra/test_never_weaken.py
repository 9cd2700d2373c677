"""Fixes in place only add protection or capacity; what an operator raised is kept and reported."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tasks.infra.ensure import EnsureOptions, ensure_environment
from tasks.infra.errors import Refused
from tasks.infra.specs import TableSet
from tasks.infra.tables import TABLES
from tasks.infra.validate import drift_report
from tests.infra.test_ensure import context

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SPECS = TableSet(tables=tuple(TABLES))
#: The writes a run can make; a run that keeps everything makes none of them.
WRITES = {"UpdateTable", "UpdateContinuousBackups", "UpdateTimeToLive", "TagResource", "CreateTable", "DeleteTable"}


def raise_protection_and_capacity(dynamodb: DynamoDBClient, environment: str) -> None:
    """What an operator does in the console: PITR and deletion protection on, read and one index raised."""
    name = f"{environment}-sessions"
    dynamodb.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    dynamodb.update_table(TableName=name, DeletionProtectionEnabled=True)
    # Read raised to 10, write lowered to 3: the write shortfall is fixed, the read surplus kept.
    dynamodb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 3})
    dynamodb.update_table(
        TableName=name,
        GlobalSecondaryIndexUpdates=[
            {
                "Update": {
                    "IndexName": "token-index",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 20, "WriteCapacityUnits": 20},
                }
            }
        ],
    )


def sessions_state(dynamodb: DynamoDBClient, environment: str) -> dict[str, object]:
    name = f"{environment}-sessions"
    table = dynamodb.describe_table(TableName=name)["Table"]
    backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    indexes = {i["IndexName"]: i["ProvisionedThroughput"] for i in table["GlobalSecondaryIndexes"]}
    return {
        "pitr": backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"],
        "deletion_protection": table["DeletionProtectionEnabled"],
        "capacity": (
            table["ProvisionedThroughput"]["ReadCapacityUnits"],
            table["ProvisionedThroughput"]["WriteCapacityUnits"],
        ),
        "token_index": (indexes["token-index"]["ReadCapacityUnits"], indexes["token-index"]["WriteCapacityUnits"]),
    }


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_a_scheduled_ensure_keeps_what_an_operator_raised(dynamodb: DynamoDBClient, environment: str) -> None:
    # Given tables whose protection and capacity were raised by hand
    ensure_environment(context(dynamodb, "fresh"), environment, SPECS, EnsureOptions())
    raise_protection_and_capacity(dynamodb, environment)

    # When ensure runs twice, as the hourly schedule does
    first = ensure_environment(context(dynamodb, "hourly-1"), environment, SPECS, EnsureOptions())
    calls: list[str] = []
    dynamodb.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    second = ensure_environment(context(dynamodb, "hourly-2"), environment, SPECS, EnsureOptions())

    # Then only the write shortfall was fixed, nothing was lowered, and the surplus is drift
    assert first.fixes_applied == [
        f"fix {environment}-sessions: capacity is (10, 3), spec wants at least (5, 5)",
    ]
    assert sessions_state(dynamodb, environment) == {
        "pitr": "ENABLED",
        "deletion_protection": True,
        "capacity": (10, 5),
        "token_index": (20, 20),
    }
    name = f"{environment}-sessions"
    expected_drift = [
        f"{name}: capacity is (10, 5), above the spec's (5, 5) (raised outside the spec)",
        f"{name}: index token-index capacity is (20, 20), above the spec's (5, 5) (raised outside the spec)",
        f"{name}: point-in-time recovery is on, spec wants off (switched on outside the spec)",
        f"{name}: deletion protection is on, spec wants off (switched on outside the spec)",
    ]
    for result in (first, second):
        assert (result.success, result.valid, result.drift) == (True, True, expected_drift)
        assert {i["fix"] for i in result.issues} == {"lower_with_force"}
        assert "force_recreate" in result.next_action
    assert second.fixes_applied == []
    assert not WRITES & set(calls)
    report = drift_report(dynamodb, environment, SPECS)
    assert (report["valid"], report["drift"]) == (True, expected_drift)
    assert [(i["kind"], i["fix"]) for i in report["issues"]] == [
        ("capacity", "lower_with_force"),
        ("index_capacity", "lower_with_force"),
        ("point_in_time_recovery", "lower_with_force"),
        ("deletion_protection", "lower_with_force"),
    ]


def test_force_recreate_lowers_to_the_spec_outside_prod(dynamodb: DynamoDBClient) -> None:
    ensure_environment(context(dynamodb, "fresh"), "dev", SPECS, EnsureOptions())
    raise_protection_and_capacity(dynamodb, "dev")

    forced = ensure_environment(context(dynamodb, "forced"), "dev", SPECS, EnsureOptions(force_recreate=True))

    assert (forced.success, forced.valid, forced.issues, forced.drift) == (True, True, [], [])
    assert sessions_state(dynamodb, "dev") == {
        "pitr": "DISABLED",
        "deletion_protection": False,
        "capacity": (5, 5),
        "token_index": (5, 5),
    }
    with pytest.raises(Refused, match="never allowed in prod"):
        ensure_environment(context(dynamodb, "forced"), "prod", SPECS, EnsureOptions(force_recreate=True))


def test_on_demand_switched_on_by_hand_is_not_switched_back(dynamodb: DynamoDBClient) -> None:
    ensure_environment(context(dynamodb, "fresh"), "dev", SPECS, EnsureOptions())
    dynamodb.update_table(TableName="dev-sessions", BillingMode="PAY_PER_REQUEST")

    kept = ensure_environment(context(dynamodb, "kept"), "dev", SPECS, EnsureOptions())

    table = dynamodb.describe_table(TableName="dev-sessions")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert (kept.valid, kept.fixes_applied) == (True, [])
    assert kept.drift == ["dev-sessions: billing mode is PAY_PER_REQUEST, spec wants PROVISIONED"]
