"""Table specs are checked against DynamoDB's rules before any AWS call."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from tasks.infra.errors import SpecError
from tasks.infra.specs import IndexSpec, TableSet, TableSpec, load_tables

USERS: dict[str, Any] = {"name": "users", "attributes": {"user_id": "S"}, "partition_key": "user_id"}


def test_the_sample_set_loads_with_the_indexes_the_application_expects() -> None:
    tables = load_tables("tasks.infra.tables:TABLES")

    specs = tables.for_environment("staging")

    assert list(specs) == ["staging-users", "staging-sessions"]
    assert [(i.name, i.partition_key) for i in specs["staging-users"].indexes] == [("email-index", "email")]
    sessions = specs["staging-sessions"]
    assert (len(sessions.indexes), sessions.ttl_attribute) == (2, "expires_at")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"partition_key": "id"}, "key attribute 'id' is not declared in attributes"),
        ({"attributes": {"user_id": "S", "age": "N"}}, "attribute 'age' is declared but is no key"),
        ({"sort_key": "user_id"}, "sort_key must differ from partition_key"),
        ({"billing_mode": "PROVISIONED", "read_capacity": 5}, "needs read_capacity and write_capacity"),
        ({"read_capacity": 5, "write_capacity": 5}, "capacities are only for billing_mode PROVISIONED"),
        (
            {
                "attributes": {"user_id": "S", "email": "S"},
                "indexes": [{"name": "email-index", "partition_key": "email"}] * 2,
            },
            "index name 'email-index' is used twice",
        ),
        ({"name": "users table"}, "String should match pattern"),
        ({"attributes": {"user_id": "X"}}, "Input should be 'S', 'N' or 'B'"),
    ],
)
def test_specs_dynamodb_would_reject(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        TableSpec.model_validate({**USERS, **changes})


def test_include_projection_needs_attributes() -> None:
    with pytest.raises(ValidationError, match="projection INCLUDE needs non_key_attributes"):
        IndexSpec(name="by-email", partition_key="email", projection="INCLUDE")


def test_table_names_are_unique_and_valid_with_their_prefix() -> None:
    with pytest.raises(ValidationError, match="table names used twice: users"):
        TableSet(tables=(TableSpec.model_validate(USERS), TableSpec.model_validate(USERS)))
    long_name = TableSet(tables=(TableSpec.model_validate({**USERS, "name": "u" * 200}),))
    assert list(long_name.for_environment("dev")) == ["dev-" + "u" * 200]
    with pytest.raises(SpecError, match="is not a valid DynamoDB table name"):
        long_name.for_environment("e" * 60)


def test_load_errors_name_the_source() -> None:
    with pytest.raises(SpecError, match=re.escape("cannot load table specs from tasks.infra.tables:MISSING")):
        load_tables("tasks.infra.tables:MISSING")
    with pytest.raises(SpecError, match=re.escape("cannot load table specs from no_such_module:TABLES")):
        load_tables("no_such_module:TABLES")
