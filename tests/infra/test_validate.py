"""Drift found by comparing moto's live descriptions with the specs; requests built from specs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasks.infra.live import LiveTable, Reader
from tasks.infra.plan import billing_request, create_index_request, create_table_request, plan_lines
from tasks.infra.specs import IndexSpec, TableSpec
from tasks.infra.tables import TABLES
from tasks.infra.validate import compare, drift_report

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

USERS, SESSIONS = TABLES


def read(client: DynamoDBClient, name: str) -> LiveTable:
    return Reader(client, deep=True, with_tags=True).read(name)


def test_a_table_created_from_its_spec_has_no_issue_but_its_settings(dynamodb: DynamoDBClient) -> None:
    dynamodb.create_table(**create_table_request(SESSIONS, "dev"))

    issues = compare(SESSIONS, read(dynamodb, "dev-sessions"), "dev")

    # CreateTable cannot set TTL: that is the one thing left to do.
    assert [(i.kind, i.fix, i.message) for i in issues] == [
        ("ttl", "in_place", "TTL is on nothing, spec wants expires_at")
    ]


def test_differences_and_how_each_is_fixed(dynamodb: DynamoDBClient) -> None:
    # Given a users table made by hand: provisioned, KEYS_ONLY index, an extra index, TTL on another attribute
    dynamodb.create_table(
        TableName="dev-users",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("user_id", "email", "name")],
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        GlobalSecondaryIndexes=[
            {
                "IndexName": name,
                "KeySchema": [{"AttributeName": attribute, "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            }
            for name, attribute in (("email-index", "email"), ("name-index", "name"))
        ],
    )
    dynamodb.update_time_to_live(TableName="dev-users", TimeToLiveSpecification={"Enabled": True, "AttributeName": "x"})
    spec = USERS.model_copy(update={"ttl_attribute": "gone_at"})

    issues = compare(spec, read(dynamodb, "dev-users"), "dev")

    assert [(i.kind, i.fix, i.index) for i in issues] == [
        ("unexpected_index", "none", "name-index"),
        ("index_projection", "recreate_index", "email-index"),
        ("billing_mode", "in_place", None),
        ("ttl", "manual", None),
        ("point_in_time_recovery", "in_place", None),
        ("tags", "in_place", None),
    ]
    assert not issues[0].blocking
    assert plan_lines(issues[:2]) == [
        "leave alone dev-users/name-index: index name-index is not in the spec (left alone)",
        "recreate index (only with force_recreate, never in prod) dev-users/email-index: "
        "index email-index projection is {'ProjectionType': 'KEYS_ONLY'}, spec wants {'ProjectionType': 'ALL'}",
    ]


def test_validation_reads_three_times_per_table_and_an_extra_index_is_no_error(dynamodb: DynamoDBClient) -> None:
    from tasks.infra.specs import TableSet

    simple = TableSpec(name="simple", attributes={"id": "S"}, partition_key="id")
    dynamodb.create_table(**create_table_request(simple, "dev"))
    dynamodb.update_table(
        TableName="dev-simple",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by-id",
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )
    calls: list[str] = []
    dynamodb.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))

    report = drift_report(dynamodb, "dev", TableSet(tables=(simple,)))

    assert report["valid"] is True
    assert [issue["kind"] for issue in report["issues"]] == ["unexpected_index"]
    assert calls == ["DescribeTable", "DescribeTimeToLive", "DescribeContinuousBackups"]


def test_requests_send_only_what_differs(dynamodb: DynamoDBClient) -> None:
    dynamodb.create_table(**create_table_request(SESSIONS, "dev"))
    live = read(dynamodb, "dev-sessions")
    bigger_index = IndexSpec(name="token-index", partition_key="token_hash", read_capacity=9, write_capacity=9)
    new_index = IndexSpec(name="by-created", partition_key="created_at")
    spec = SESSIONS.model_copy(update={"indexes": (SESSIONS.indexes[0], bigger_index)})

    assert billing_request(SESSIONS, live) == {"TableName": "dev-sessions"}
    assert billing_request(spec, live) == {
        "TableName": "dev-sessions",
        "GlobalSecondaryIndexUpdates": [
            {
                "Update": {
                    "IndexName": "token-index",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 9, "WriteCapacityUnits": 9},
                }
            }
        ],
    }
    request = create_index_request(SESSIONS, live, new_index)
    assert [d["AttributeName"] for d in request["AttributeDefinitions"]] == [
        "created_at",
        "session_id",
        "token_hash",
        "user_id",
    ]
    assert request["GlobalSecondaryIndexUpdates"][0]["Create"]["ProvisionedThroughput"] == {
        "ReadCapacityUnits": 5,
        "WriteCapacityUnits": 5,
    }
