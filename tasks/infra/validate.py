"""Drift: a table's live description versus its spec, as a list of issues with their fixes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from tasks.infra.errors import aws_errors
from tasks.infra.live import LiveTable, Reader
from tasks.infra.specs import IndexSpec, TableSet, TableSpec

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: How an issue is resolved: by a creation phase, in place, by re-creation (`force_recreate`), by hand, or not at all.
#: `lower_with_force` is drift the other way: the live table has more protection or capacity than its
#: spec (an operator raised it); it is reported, and lowered only with `force_recreate`.
Fix = Literal[
    "create_table",
    "create_index",
    "in_place",
    "lower_with_force",
    "recreate_index",
    "recreate_table",
    "manual",
    "none",
]
Kind = Literal[
    "missing_table",
    "missing_index",
    "key_schema",
    "attribute_type",
    "index_keys",
    "index_projection",
    "unexpected_index",
    "billing_mode",
    "capacity",
    "index_capacity",
    "ttl",
    "point_in_time_recovery",
    "deletion_protection",
    "tags",
]


class Issue(BaseModel):
    model_config = ConfigDict(frozen=True)

    table: str
    kind: Kind
    fix: Fix
    message: str
    index: str | None = None

    @property
    def blocking(self) -> bool:
        """Whether the issue makes the environment invalid (an unexpected index or extra protection does not)."""
        return self.fix not in {"none", "lower_with_force"}

    @property
    def drift(self) -> bool:
        """More protection or capacity than the spec: reported, never lowered by a plain run."""
        return self.fix == "lower_with_force"


def key_schema(partition_key: str, sort_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key is not None:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return schema


def projection(index: IndexSpec) -> dict[str, Any]:
    if index.projection == "INCLUDE":
        return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.non_key_attributes)}
    return {"ProjectionType": index.projection}


def compare(spec: TableSpec, live: LiveTable, environment: str) -> list[Issue]:
    """Every difference between `spec` and `live`; reads nothing."""
    name = live.name
    if live.description is None:
        return [Issue(table=name, kind="missing_table", fix="create_table", message=f"table {name} does not exist")]
    issues = _key_issues(spec, live) + _index_issues(spec, live) + _capacity_issues(spec, live)
    issues += _setting_issues(spec, live, environment)
    return issues


def _key_issues(spec: TableSpec, live: LiveTable) -> list[Issue]:
    assert live.description is not None
    issues = []
    if live.description["KeySchema"] != key_schema(spec.partition_key, spec.sort_key):
        issues.append(
            Issue(
                table=live.name,
                kind="key_schema",
                fix="recreate_table",
                message=f"key schema is {_keys(live.description['KeySchema'])}, spec wants {spec.keys}",
            )
        )
    for attribute in spec.keys:
        actual = live.attribute_types.get(attribute)
        if actual is not None and actual != spec.attributes[attribute]:
            issues.append(
                Issue(
                    table=live.name,
                    kind="attribute_type",
                    fix="recreate_table",
                    message=f"key attribute {attribute} has type {actual}, spec wants {spec.attributes[attribute]}",
                )
            )
    return issues


def _index_issues(spec: TableSpec, live: LiveTable) -> list[Issue]:
    issues = []
    wanted = {index.name: index for index in spec.indexes}
    for index_name in sorted(set(live.indexes) - set(wanted)):
        message = f"index {index_name} is not in the spec (left alone)"
        issues.append(Issue(table=live.name, kind="unexpected_index", fix="none", message=message, index=index_name))
    for index in spec.indexes:
        actual = live.indexes.get(index.name)
        if actual is None:
            message = f"index {index.name} is missing"
            issues.append(
                Issue(table=live.name, kind="missing_index", fix="create_index", message=message, index=index.name)
            )
            continue
        types = [live.attribute_types.get(key) == spec.attributes[key] for key in index.keys]
        if actual["KeySchema"] != key_schema(index.partition_key, index.sort_key) or not all(types):
            message = f"index {index.name} keys are {_keys(actual['KeySchema'])}, spec wants {index.keys}"
            issues.append(
                Issue(table=live.name, kind="index_keys", fix="recreate_index", message=message, index=index.name)
            )
        elif _projection_of(actual) != _projection_of({"Projection": projection(index)}):
            message = f"index {index.name} projection is {actual['Projection']}, spec wants {projection(index)}"
            issues.append(
                Issue(table=live.name, kind="index_projection", fix="recreate_index", message=message, index=index.name)
            )
    return issues


def _capacity_issues(spec: TableSpec, live: LiveTable) -> list[Issue]:
    assert live.description is not None
    mode = billing_mode_of(live.description)
    if mode != spec.billing_mode:
        message = f"billing mode is {mode}, spec wants {spec.billing_mode}"
        # On-demand has no capacity ceiling: going back to provisioned would lower it.
        fix: Fix = "lower_with_force" if mode == "PAY_PER_REQUEST" else "in_place"
        return [Issue(table=live.name, kind="billing_mode", fix=fix, message=message)]
    if spec.billing_mode != "PROVISIONED":
        return []
    assert spec.read_capacity is not None and spec.write_capacity is not None
    issues = _compare_capacity(live.name, "capacity", None, capacity_of(live.description), spec.capacity)
    for index in spec.indexes:
        actual, wanted = live.indexes.get(index.name), spec.index_capacity(index)
        if actual is not None and wanted is not None:
            issues += _compare_capacity(live.name, "index_capacity", index.name, capacity_of(actual), wanted)
    return issues


def _compare_capacity(
    table: str, kind: Kind, index: str | None, actual: tuple[int | None, int | None], wanted: tuple[int, int]
) -> list[Issue]:
    """An in-place issue if any unit is below the spec, a drift issue if any is above (both can hold)."""
    what = "capacity" if index is None else f"index {index} capacity"
    below = any(have is None or have < want for have, want in zip(actual, wanted, strict=True))
    above = any(have is not None and have > want for have, want in zip(actual, wanted, strict=True))
    issues = []
    if below:
        message = f"{what} is {actual}, spec wants at least {wanted}"
        issues.append(Issue(table=table, kind=kind, fix="in_place", message=message, index=index))
    if above:
        message = f"{what} is {actual}, above the spec's {wanted} (raised outside the spec)"
        issues.append(Issue(table=table, kind=kind, fix="lower_with_force", message=message, index=index))
    return issues


def _setting_issues(spec: TableSpec, live: LiveTable, environment: str) -> list[Issue]:
    assert live.description is not None
    issues = []
    if live.ttl is not None:
        issues += _ttl_issues(spec, live)
    if live.pitr_enabled is not None and live.pitr_enabled != spec.point_in_time_recovery:
        issues.append(_switch_issue(live.name, "point_in_time_recovery", live.pitr_enabled))
    protected = bool(live.description.get("DeletionProtectionEnabled", False))
    if protected != spec.deletion_protection:
        issues.append(_switch_issue(live.name, "deletion_protection", protected))
    if live.tags is not None:
        wrong = sorted(k for k, v in spec.all_tags(environment).items() if live.tags.get(k) != v)
        if wrong:
            message = f"tags {', '.join(wrong)} are missing or differ"
            issues.append(Issue(table=live.name, kind="tags", fix="in_place", message=message))
    return issues


def _switch_issue(table: str, kind: Kind, live_on: bool) -> Issue:
    """A protection that differs from the spec: switched on in place, never off without force."""
    what = {"point_in_time_recovery": "point-in-time recovery"}.get(kind, kind.replace("_", " "))
    if live_on:
        message = f"{what} is on, spec wants off (switched on outside the spec)"
        return Issue(table=table, kind=kind, fix="lower_with_force", message=message)
    return Issue(table=table, kind=kind, fix="in_place", message=f"{what} is off, spec wants on")


def _ttl_issues(spec: TableSpec, live: LiveTable) -> list[Issue]:
    assert live.ttl is not None
    enabled = live.ttl.get("TimeToLiveStatus") in {"ENABLED", "ENABLING"}
    attribute = live.ttl.get("AttributeName") if enabled else None
    if attribute == spec.ttl_attribute:
        return []
    message = f"TTL is on {attribute or 'nothing'}, spec wants {spec.ttl_attribute or 'none'}"
    # DynamoDB allows one TTL change per hour, so moving TTL to another attribute is left to a person.
    fix: Fix = "manual" if attribute and spec.ttl_attribute else "in_place"
    return [Issue(table=live.name, kind="ttl", fix=fix, message=message)]


def validate_tables(reader: Reader, specs: dict[str, TableSpec], environment: str) -> list[Issue]:
    """Read every table of the environment (cached reads are reused) and list its issues."""
    return [issue for name, spec in specs.items() for issue in compare(spec, reader.read(name), environment)]


def _keys(schema: list[dict[str, str]]) -> tuple[str, ...]:
    return tuple(item["AttributeName"] for item in schema)


def _projection_of(index: dict[str, Any]) -> tuple[str, frozenset[str]]:
    return index["Projection"]["ProjectionType"], frozenset(index["Projection"].get("NonKeyAttributes", []))


def billing_mode_of(description: dict[str, Any]) -> str:
    """A table's billing mode; tables from before on-demand existed report none and are provisioned."""
    return str(description.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED"))


def capacity_of(description: dict[str, Any]) -> tuple[int | None, int | None]:
    throughput = description.get("ProvisionedThroughput", {})
    return throughput.get("ReadCapacityUnits"), throughput.get("WriteCapacityUnits")


def drift_report(client: DynamoDBClient, environment: str, tables: TableSet) -> dict[str, Any]:
    """Read-only: `{"environment", "valid", "issues", "drift"}`; one DescribeTable, TTL and PITR read per table."""
    specs = tables.for_environment(environment)
    with aws_errors():
        issues = validate_tables(Reader(client, deep=True), specs, environment)
    return {
        "environment": environment,
        "valid": not any(issue.blocking for issue in issues),
        "issues": [issue.model_dump() for issue in issues],
        "drift": [f"{issue.table}: {issue.message}" for issue in issues if issue.drift],
    }
