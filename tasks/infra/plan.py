"""DynamoDB requests built from specs, and the plan of what a run would do about each issue."""

from __future__ import annotations

from typing import Any

from tasks.infra.live import LiveTable
from tasks.infra.specs import IndexSpec, TableSpec
from tasks.infra.validate import Fix, Issue, billing_mode_of, capacity_of, key_schema, projection

#: What a run does about an issue, as a plan line starts.
ACTIONS: dict[Fix, str] = {
    "create_table": "create table",
    "create_index": "create index",
    "in_place": "fix",
    "lower_with_force": "leave as it is (lowered only with force_recreate, never in prod)",
    "recreate_index": "recreate index (only with force_recreate, never in prod)",
    "recreate_table": "recreate table, losing its items (only with force_recreate, never in prod)",
    "manual": "leave for a person",
    "none": "leave alone",
}


def plan_lines(issues: list[Issue]) -> list[str]:
    lines = []
    for issue in issues:
        where = issue.table if issue.index is None else f"{issue.table}/{issue.index}"
        lines.append(f"{ACTIONS[issue.fix]} {where}: {issue.message}")
    return lines


def throughput(capacity: tuple[int, int]) -> dict[str, int]:
    return {"ReadCapacityUnits": capacity[0], "WriteCapacityUnits": capacity[1]}


def index_definition(spec: TableSpec, index: IndexSpec) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "IndexName": index.name,
        "KeySchema": key_schema(index.partition_key, index.sort_key),
        "Projection": projection(index),
    }
    capacity = spec.index_capacity(index)
    if capacity is not None:
        definition["ProvisionedThroughput"] = throughput(capacity)
    return definition


def create_table_request(spec: TableSpec, environment: str) -> dict[str, Any]:
    """CreateTable with every index, billing, deletion protection and tags of the spec."""
    request: dict[str, Any] = {
        "TableName": spec.physical_name(environment),
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": v} for k, v in sorted(spec.attributes.items())],
        "KeySchema": key_schema(spec.partition_key, spec.sort_key),
        "BillingMode": spec.billing_mode,
        "DeletionProtectionEnabled": spec.deletion_protection,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(spec.all_tags(environment).items())],
    }
    if spec.indexes:
        request["GlobalSecondaryIndexes"] = [index_definition(spec, index) for index in spec.indexes]
    if spec.billing_mode == "PROVISIONED":
        assert spec.read_capacity is not None and spec.write_capacity is not None
        request["ProvisionedThroughput"] = throughput((spec.read_capacity, spec.write_capacity))
    return request


def create_index_request(spec: TableSpec, live: LiveTable, index: IndexSpec) -> dict[str, Any]:
    """UpdateTable adding one index; attribute definitions cover every key that stays, plus the new ones."""
    assert live.description is not None
    used = {item["AttributeName"] for item in live.description["KeySchema"]}
    for existing in live.indexes.values():
        used |= {item["AttributeName"] for item in existing["KeySchema"]}
    types = {**spec.attributes, **live.attribute_types, **{key: spec.attributes[key] for key in index.keys}}
    used |= set(index.keys)
    return {
        "TableName": live.name,
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": types[name]} for name in sorted(used)],
        "GlobalSecondaryIndexUpdates": [{"Create": index_definition(spec, index)}],
    }


def billing_request(spec: TableSpec, live: LiveTable, *, lower: bool = False) -> dict[str, Any]:
    """UpdateTable bringing billing mode and capacities up to the spec; only what differs is sent.

    Capacity above the spec is kept (each unit is the larger of live and spec) unless `lower`.
    """
    assert live.description is not None
    switching = billing_mode_of(live.description) != spec.billing_mode
    request: dict[str, Any] = {"TableName": live.name}
    if switching:
        request["BillingMode"] = spec.billing_mode
    if spec.billing_mode != "PROVISIONED":
        return request
    wanted = _target(capacity_of(live.description), spec.capacity, switching=switching, lower=lower)
    if switching or capacity_of(live.description) != wanted:
        request["ProvisionedThroughput"] = throughput(wanted)
    updates = []
    for index in spec.indexes:
        capacity = spec.index_capacity(index)
        actual = live.indexes.get(index.name)
        if actual is None or capacity is None:
            continue
        target = _target(capacity_of(actual), capacity, switching=switching, lower=lower)
        if switching or capacity_of(actual) != target:
            updates.append({"Update": {"IndexName": index.name, "ProvisionedThroughput": throughput(target)}})
    if updates:
        request["GlobalSecondaryIndexUpdates"] = updates
    return request


def _target(
    actual: tuple[int | None, int | None], wanted: tuple[int, int], *, switching: bool, lower: bool
) -> tuple[int, int]:
    if switching or lower:
        return wanted
    read, write = (want if have is None else max(have, want) for have, want in zip(actual, wanted, strict=True))
    return read, write
