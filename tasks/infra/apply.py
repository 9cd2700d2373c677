"""The writes of a run: create, wait, fix in place, recreate, delete; each forgets what it changed."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tasks.infra.errors import WaitTimeout
from tasks.infra.live import LiveTable, Reader
from tasks.infra.plan import billing_request, create_index_request, create_table_request
from tasks.infra.specs import TableSpec
from tasks.infra.validate import Issue

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TagTypeDef, WaiterConfigTypeDef

#: Pause between two looks at a table or an index that is not ready yet.
WAIT_DELAY_S = 5


@dataclass
class Applier:
    """Writes through `client`; `guard()` runs before every write and between waits (the lock check)."""

    client: DynamoDBClient
    reader: Reader
    environment: str
    wait_timeout_s: float
    guard: Callable[[], None]

    def create_table(self, spec: TableSpec) -> None:
        self.guard()
        self.client.create_table(**create_table_request(spec, self.environment))
        self.reader.forget(spec.physical_name(self.environment))

    def wait_table_active(self, name: str) -> None:
        self.guard()
        self.client.get_waiter("table_exists").wait(TableName=name, WaiterConfig=self._waiter_config())
        self.reader.forget(name)

    def configure_new_table(self, spec: TableSpec) -> None:
        """What CreateTable cannot set: TTL and point-in-time recovery."""
        name = spec.physical_name(self.environment)
        if spec.ttl_attribute is not None:
            self._set_ttl(name, spec.ttl_attribute, enabled=True)
        if spec.point_in_time_recovery:
            self._set_pitr(name, enabled=True)

    def create_index(self, spec: TableSpec, index_name: str) -> None:
        name = spec.physical_name(self.environment)
        index = next(index for index in spec.indexes if index.name == index_name)
        live = self._settled_table(name)
        self.guard()
        self.client.update_table(**create_index_request(spec, live, index))
        self.reader.forget(name)

    def wait_index_active(self, name: str, index_name: str) -> None:
        def active() -> bool:
            description = self.reader.describe(name)
            return _settled(description) and index_name in LiveTable(name, description).indexes

        self._wait(active, f"index {name}/{index_name} to become ACTIVE (backfill)")

    def fix_in_place(self, spec: TableSpec, issue: Issue) -> None:
        """Bring one setting to the spec; only a `lower_with_force` issue may lower protection or capacity."""
        name = issue.table
        lower = issue.fix == "lower_with_force"
        if issue.kind == "ttl":
            live = self.reader.read(name)
            assert live.ttl is not None
            enabled = spec.ttl_attribute is not None
            self._set_ttl(name, spec.ttl_attribute or str(live.ttl.get("AttributeName")), enabled=enabled)
        elif issue.kind == "point_in_time_recovery":
            self._set_pitr(name, enabled=spec.point_in_time_recovery or not lower)
        elif issue.kind == "tags":
            self.guard()
            arn = self._describe_existing(name)["TableArn"]
            tags: list[TagTypeDef] = [
                {"Key": k, "Value": v} for k, v in sorted(spec.all_tags(self.environment).items())
            ]
            self.client.tag_resource(ResourceArn=arn, Tags=tags)
        elif issue.kind == "deletion_protection":
            self._settled_table(name)
            protect = spec.deletion_protection or not lower
            self._update_table({"TableName": name, "DeletionProtectionEnabled": protect})
        elif issue.kind in {"billing_mode", "capacity", "index_capacity"}:
            request = billing_request(spec, self._settled_table(name), lower=lower)
            if len(request) > 1:
                self._update_table(request)
        else:
            raise ValueError(f"{issue.kind} cannot be fixed in place")
        self.reader.forget(name)

    def recreate_index(self, spec: TableSpec, index_name: str) -> None:
        name = spec.physical_name(self.environment)
        self._settled_table(name)
        self._update_table({"TableName": name, "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": index_name}}]})

        def gone() -> bool:
            description = self.reader.describe(name)
            return _settled(description) and index_name not in LiveTable(name, description).indexes

        self._wait(gone, f"index {name}/{index_name} to be deleted")
        self.create_index(spec, index_name)
        self.wait_index_active(name, index_name)

    def recreate_table(self, spec: TableSpec) -> None:
        name = spec.physical_name(self.environment)
        self.delete_table(name)
        self.create_table(spec)
        self.wait_table_active(name)
        self.configure_new_table(spec)

    def delete_table(self, name: str) -> None:
        self.guard()
        if self._describe_existing(name).get("DeletionProtectionEnabled"):
            self._update_table({"TableName": name, "DeletionProtectionEnabled": False})
        self.guard()
        self.client.delete_table(TableName=name)
        self.reader.forget(name)
        self.client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig=self._waiter_config())

    def _describe_existing(self, name: str) -> dict[str, Any]:
        description = self.reader.describe(name)
        if description is None:
            raise WaitTimeout(f"table {name} disappeared during the run")
        return description

    def _settled_table(self, name: str) -> LiveTable:
        """The table once it and its indexes are ACTIVE: DynamoDB takes one update at a time."""
        last: list[dict[str, Any] | None] = [None]

        def settled() -> bool:
            last[0] = self.reader.describe(name)
            return _settled(last[0])

        self._wait(settled, f"table {name} and its indexes to be ACTIVE")
        return LiveTable(name, last[0])

    def _update_table(self, request: dict[str, Any]) -> None:
        self.guard()
        self.client.update_table(**request)
        self.reader.forget(request["TableName"])

    def _set_ttl(self, name: str, attribute: str, *, enabled: bool) -> None:
        self.guard()
        self.client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": enabled, "AttributeName": attribute}
        )

    def _set_pitr(self, name: str, *, enabled: bool) -> None:
        self.guard()
        self.client.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": enabled}
        )

    def _waiter_config(self) -> WaiterConfigTypeDef:
        """boto3 waiters bounded by the wait timeout."""
        return {"Delay": WAIT_DELAY_S, "MaxAttempts": max(1, math.ceil(self.wait_timeout_s / WAIT_DELAY_S))}

    def _wait(self, ready: Callable[[], bool], what: str) -> None:
        """Poll `ready` every WAIT_DELAY_S until the bound; the lock is checked between looks."""
        attempts = max(1, math.ceil(self.wait_timeout_s / WAIT_DELAY_S))
        for attempt in range(attempts + 1):
            self.guard()
            if ready():
                return
            if attempt < attempts:
                time.sleep(WAIT_DELAY_S)
        raise WaitTimeout(f"gave up waiting for {what} after {self.wait_timeout_s:g} s")


def _settled(description: dict[str, Any] | None) -> bool:
    if description is None or description["TableStatus"] != "ACTIVE":
        return False
    return all(index["IndexStatus"] == "ACTIVE" for index in description.get("GlobalSecondaryIndexes", []))
