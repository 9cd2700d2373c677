"""Declarative DynamoDB table specs, checked against DynamoDB's own rules before any AWS call."""

from __future__ import annotations

import importlib
import re
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, model_validator

from tasks.infra.errors import SpecError

AttributeType = Literal["S", "N", "B"]
Projection = Literal["ALL", "KEYS_ONLY", "INCLUDE"]
BillingMode = Literal["PAY_PER_REQUEST", "PROVISIONED"]

#: DynamoDB's rule for table and index names.
NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
#: DynamoDB's limits: table name length, GSIs per table, tags per resource.
MAX_TABLE_NAME = 255
MAX_GSIS = 20
MAX_TAGS = 50
#: Tags every managed table carries, so a console reader knows where it comes from.
MANAGED_BY = "tasks-platform"


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IndexSpec(Spec):
    """A global secondary index: its keys, its projection and (provisioned mode) its capacity."""

    name: str = Field(min_length=3, max_length=255, pattern=NAME_PATTERN)
    partition_key: str = Field(min_length=1, max_length=255)
    sort_key: str | None = Field(default=None, min_length=1, max_length=255)
    projection: Projection = "ALL"
    non_key_attributes: tuple[str, ...] = ()
    read_capacity: PositiveInt | None = None
    write_capacity: PositiveInt | None = None

    @model_validator(mode="after")
    def _check_projection(self) -> Self:
        if self.projection == "INCLUDE" and not self.non_key_attributes:
            raise ValueError(f"index {self.name}: projection INCLUDE needs non_key_attributes")
        if self.projection != "INCLUDE" and self.non_key_attributes:
            raise ValueError(f"index {self.name}: non_key_attributes are only for projection INCLUDE")
        return self

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.partition_key,) if self.sort_key is None else (self.partition_key, self.sort_key)


class TableSpec(Spec):
    """One logical table; its physical name in an environment is `{environment}-{name}`."""

    name: str = Field(min_length=1, max_length=200, pattern=NAME_PATTERN)
    attributes: dict[str, AttributeType]
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[IndexSpec, ...] = ()
    billing_mode: BillingMode = "PAY_PER_REQUEST"
    read_capacity: PositiveInt | None = None
    write_capacity: PositiveInt | None = None
    ttl_attribute: str | None = None
    point_in_time_recovery: bool = False
    deletion_protection: bool = False
    tags: dict[str, str] = Field(default_factory=dict)

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.partition_key,) if self.sort_key is None else (self.partition_key, self.sort_key)

    @model_validator(mode="after")
    def _check_dynamodb_rules(self) -> Self:
        problems = [*self._key_problems(), *self._index_problems(), *self._capacity_problems()]
        if len(self.tags) + 2 > MAX_TAGS:
            problems.append(f"at most {MAX_TAGS - 2} tags (two are the platform's)")
        if problems:
            raise ValueError(f"table {self.name}: " + "; ".join(problems))
        return self

    def _key_problems(self) -> list[str]:
        used = set(self.keys) | {key for index in self.indexes for key in index.keys}
        problems = [
            f"key attribute {name!r} is not declared in attributes" for name in sorted(used - set(self.attributes))
        ]
        # DynamoDB refuses attribute definitions that no key schema uses.
        problems += [f"attribute {name!r} is declared but is no key" for name in sorted(set(self.attributes) - used)]
        if self.sort_key == self.partition_key:
            problems.append("sort_key must differ from partition_key")
        return problems

    def _index_problems(self) -> list[str]:
        names = [index.name for index in self.indexes]
        problems = [f"index name {name!r} is used twice" for name in sorted({n for n in names if names.count(n) > 1})]
        if len(self.indexes) > MAX_GSIS:
            problems.append(f"at most {MAX_GSIS} global secondary indexes")
        return problems

    def _capacity_problems(self) -> list[str]:
        capacities = [(self.name, self.read_capacity, self.write_capacity)] + [
            (index.name, index.read_capacity, index.write_capacity) for index in self.indexes
        ]
        if self.billing_mode == "PROVISIONED":
            if self.read_capacity is None or self.write_capacity is None:
                return ["billing_mode PROVISIONED needs read_capacity and write_capacity"]
            return []
        return [f"{name}: capacities are only for billing_mode PROVISIONED" for name, r, w in capacities if r or w]

    @property
    def capacity(self) -> tuple[int, int]:
        """The provisioned (read, write) capacity of the table; only for billing_mode PROVISIONED."""
        assert self.read_capacity is not None and self.write_capacity is not None
        return (self.read_capacity, self.write_capacity)

    def index_capacity(self, index: IndexSpec) -> tuple[int, int] | None:
        """The provisioned (read, write) capacity of an index: its own, else the table's."""
        if self.billing_mode != "PROVISIONED" or self.read_capacity is None or self.write_capacity is None:
            return None
        return (index.read_capacity or self.read_capacity, index.write_capacity or self.write_capacity)

    def physical_name(self, environment: str) -> str:
        return f"{environment}-{self.name}"

    def all_tags(self, environment: str) -> dict[str, str]:
        return {**self.tags, "environment": environment, "managed-by": MANAGED_BY}


class TableSet(Spec):
    """Every table of the platform; names unique, physical names valid in every environment."""

    tables: tuple[TableSpec, ...]

    @model_validator(mode="after")
    def _check_names(self) -> Self:
        names = [table.name for table in self.tables]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"table names used twice: {', '.join(twice)}")
        return self

    def for_environment(self, environment: str) -> dict[str, TableSpec]:
        """Specs by physical name; refuses a prefix that would make an invalid table name."""
        specs = {table.physical_name(environment): table for table in self.tables}
        for name in specs:
            if len(name) > MAX_TABLE_NAME or not re.match(NAME_PATTERN, name):
                raise SpecError(f"{name!r} is not a valid DynamoDB table name")
        return specs


def load_tables(path: str) -> TableSet:
    """The table specs at `module:attribute`; any problem is a SpecError naming it."""
    module_name, _, attribute = path.partition(":")
    try:
        value = getattr(importlib.import_module(module_name), attribute)
        return value if isinstance(value, TableSet) else TableSet(tables=value)
    except ValidationError as error:
        problems = "; ".join(_describe(item) for item in error.errors(include_url=False, include_input=False))
        raise SpecError(f"invalid table specs in {path}: {problems}") from None
    except (ImportError, AttributeError) as error:
        raise SpecError(f"cannot load table specs from {path}: {error}") from None


def _describe(item: object) -> str:
    assert isinstance(item, dict)
    where = ".".join(str(part) for part in item["loc"])
    message = str(item["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
