"""The execution result of an infrastructure run, kept in Redis after every transition."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import redis
from pydantic import BaseModel, Field
from redis.typing import EncodableT, FieldT

from tasks.redis_client import get_redis, key

Status = Literal[
    "idle",
    "initializing",
    "creating_tables",
    "waiting_for_tables",
    "creating_indexes",
    "waiting_for_indexes",
    "validating",
    "fixing_issues",
    "revalidating",
    "completed",
    "failed",
    "retrying",
    "deletion_scheduled",
    "deleting",
    "deleted",
    "deletion_failed",
]
HealthStatus = Literal["healthy", "degraded", "unhealthy", "unknown"]

#: Statuses after which a run holds no lock any more.
TERMINAL: frozenset[str] = frozenset({"completed", "failed", "retrying", "deleted", "deletion_failed"})
#: Transitions kept per environment in the event stream (`infra ensure --wait` follows it).
EVENTS_MAX = 1000


def now() -> datetime:
    return datetime.now(UTC)


class ExecutionResult(BaseModel):
    """The contract's execution result, plus the run's id, its validity, issues and plan."""

    success: bool = False
    status: Status = "idle"
    phase: str = ""
    start_time: datetime = Field(default_factory=now)
    end_time: datetime | None = None
    duration_s: float | None = None
    tables_created: list[str] = Field(default_factory=list)
    indexes_created: list[str] = Field(default_factory=list)
    tables_deleted: list[str] = Field(default_factory=list)
    fixes_applied: list[str] = Field(default_factory=list)
    error_message: str | None = None
    retry_count: int = 0
    environment: str
    owner: str
    run_id: str
    dry_run: bool = False
    valid: bool | None = None
    issues: list[dict[str, Any]] = Field(default_factory=list)
    plan: list[str] = Field(default_factory=list)
    #: Settings where a live table has more protection or capacity than its spec (kept; see `issues`).
    drift: list[str] = Field(default_factory=list)
    health_status: HealthStatus = "unknown"
    next_action: str = ""


def status_key(environment: str) -> str:
    return key("infra", "status", environment)


def events_key(environment: str) -> str:
    return key("infra", "events", environment)


def get_status(environment: str, client: redis.Redis | None = None) -> dict[str, Any] | None:
    """The environment's last execution result, or None if no run was ever recorded."""
    raw = (client or get_redis()).get(status_key(environment))
    return None if raw is None else dict(json.loads(str(raw)))


def event(run_id: str, status: str, phase: str) -> dict[FieldT, EncodableT]:
    """One entry of the environment's event stream."""
    return {"run_id": run_id, "status": status, "phase": phase, "at": now().isoformat()}


def publish_event(client: redis.Redis, environment: str, run_id: str, status: str, phase: str) -> None:
    client.xadd(events_key(environment), event(run_id, status, phase), maxlen=EVENTS_MAX, approximate=True)


class StatusRecorder:
    """Writes the result after every transition, and one event per transition.

    `guard` is called before each write so a run that lost its lock never
    overwrites the record of the run that now holds it.
    """

    def __init__(
        self,
        client: redis.Redis,
        result: ExecutionResult,
        *,
        health: Callable[[dict[str, Any]], tuple[HealthStatus, str]],
        guard: Callable[[], None] = lambda: None,
    ) -> None:
        self.client = client
        self.result = result
        self._health = health
        self.guard = guard

    def transition(self, status: Status, phase: str, **changes: Any) -> None:
        self.guard()
        self.result = self.result.model_copy(update={"status": status, "phase": phase, **changes})
        if status in TERMINAL:
            end = now()
            duration_s = round((end - self.result.start_time).total_seconds(), 3)
            self.result = self.result.model_copy(update={"end_time": end, "duration_s": duration_s})
        document = self.result.model_dump(mode="json")
        health_status, _ = self._health(document)
        self.result = self.result.model_copy(update={"health_status": health_status})
        document["health_status"] = health_status
        pipe = self.client.pipeline(transaction=True)
        pipe.set(status_key(self.result.environment), json.dumps(document))
        entry = event(self.result.run_id, status, phase)
        pipe.xadd(events_key(self.result.environment), entry, maxlen=EVENTS_MAX, approximate=True)
        pipe.execute()

    def note(self, phase: str) -> None:
        """Record progress inside the current status (e.g. which table is being created)."""
        self.transition(self.result.status, phase)
