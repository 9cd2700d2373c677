"""The dead-letter selection an operator filters by: from a query string or a confirmation form, and back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args
from urllib.parse import urlencode

from tasks.deadletter import REASONS

State = Literal["pending", "replayed", "all"]
STATES: tuple[State, ...] = get_args(State)


class BadFilter(ValueError):
    """A filter value the console cannot read; its message names the field."""


@dataclass(frozen=True)
class Filters:
    task: str | None = None
    reason: str | None = None
    #: Failure-time bounds, UTC, inclusive.
    since: datetime | None = None
    until: datetime | None = None
    #: Entries not yet replayed (what still needs attention), replayed ones, or both.
    state: State = "pending"

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> Filters:
        reason = _text(values, "reason")
        if reason is not None and reason not in REASONS:
            raise BadFilter(f"reason: expected one of {', '.join(REASONS)}")
        state = _text(values, "state") or "pending"
        if state not in STATES:
            raise BadFilter(f"state: expected one of {', '.join(STATES)}")
        filters = cls(_text(values, "task"), reason, _time(values, "since"), _time(values, "until"), state)
        if filters.since and filters.until and filters.since > filters.until:
            raise BadFilter("since: after until")
        return filters

    def store_query(self) -> dict[str, Any]:
        """The keyword arguments of `deadletter.list_entries` for this selection."""
        return {
            "task": self.task,
            "reason": self.reason,
            "since_ts": self.since.timestamp() if self.since else None,
            "until_ts": self.until.timestamp() if self.until else None,
            "replayed": {"pending": False, "replayed": True, "all": None}[self.state],
        }

    def fields(self) -> dict[str, str]:
        """The selection as form fields or query parameters (empty ones left out)."""
        found = {
            "task": self.task or "",
            "reason": self.reason or "",
            "since": _format(self.since),
            "until": _format(self.until),
            "state": self.state,
        }
        return {name: value for name, value in found.items() if value}

    def query(self, **extra: Any) -> str:
        return urlencode({**self.fields(), **{name: value for name, value in extra.items() if value}})

    def describe(self) -> str:
        parts = [f"{name} {value}" for name, value in self.fields().items()]
        return ", ".join(parts)


def _text(values: Mapping[str, Any], name: str) -> str | None:
    value = values.get(name)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _time(values: Mapping[str, Any], name: str) -> datetime | None:
    """A `datetime-local` value (or any ISO 8601 time); without an offset it is UTC."""
    text = _text(values, name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadFilter(f"{name}: expected a time such as 2026-01-31T14:00") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _format(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") if moment else ""
