"""What DynamoDB says about a table: read once per run, re-read only after a write to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@dataclass
class LiveTable:
    """A table as described by DynamoDB; `description` is None when the table does not exist."""

    name: str
    description: dict[str, Any] | None
    ttl: dict[str, Any] | None = None
    pitr_enabled: bool | None = None
    tags: dict[str, str] | None = None

    @property
    def exists(self) -> bool:
        return self.description is not None

    @property
    def indexes(self) -> dict[str, dict[str, Any]]:
        if self.description is None:
            return {}
        return {index["IndexName"]: index for index in self.description.get("GlobalSecondaryIndexes", [])}

    @property
    def attribute_types(self) -> dict[str, str]:
        if self.description is None:
            return {}
        return {item["AttributeName"]: item["AttributeType"] for item in self.description["AttributeDefinitions"]}


@dataclass
class Reader:
    """Reads tables through one client and caches each until `forget(name)`.

    `deep` reads TTL and point-in-time recovery too; `with_tags` reads tags as well.
    """

    client: DynamoDBClient
    deep: bool = True
    with_tags: bool = False
    _cache: dict[str, LiveTable] = field(default_factory=dict)

    def read(self, name: str) -> LiveTable:
        if name not in self._cache:
            self._cache[name] = self._fetch(name)
        return self._cache[name]

    def forget(self, name: str) -> None:
        self._cache.pop(name, None)

    def describe(self, name: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.describe_table(TableName=name)["Table"])
        except self.client.exceptions.ResourceNotFoundException:
            return None

    def _fetch(self, name: str) -> LiveTable:
        live = LiveTable(name, self.describe(name))
        if live.description is None or not self.deep:
            return live
        live.ttl = dict(self.client.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {}))
        backups = self.client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        pitr = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
        live.pitr_enabled = pitr == "ENABLED"
        if self.with_tags:
            pages = self.client.get_paginator("list_tags_of_resource")
            arn = live.description["TableArn"]
            live.tags = {tag["Key"]: tag["Value"] for page in pages.paginate(ResourceArn=arn) for tag in page["Tags"]}
        return live
