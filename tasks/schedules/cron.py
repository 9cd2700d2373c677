"""A beat schedule from a cron expression of 5 fields, or 6 with seconds first, on croniter."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from celery.schedules import BaseSchedule, schedstate
from croniter import croniter

FIELDS_5 = ("minute", "hour", "day of month", "month", "day of week")
FIELDS_6 = ("second", *FIELDS_5)


def check_expression(expression: str) -> str:
    """The expression, normalised; a ValueError naming the bad field otherwise."""
    parts = expression.split()
    if len(parts) not in (5, 6):
        raise ValueError(f"expected 5 fields, or 6 with seconds first; got {len(parts)} in {expression!r}")
    names = FIELDS_6 if len(parts) == 6 else FIELDS_5
    for index, (name, part) in enumerate(zip(names, parts, strict=True)):
        probe = ["*"] * len(parts)
        probe[index] = part
        if not croniter.is_valid(" ".join(probe), second_at_beginning=len(parts) == 6):
            raise ValueError(f"bad {name} field {part!r} in {expression!r}")
    return " ".join(parts)


class CronSchedule(BaseSchedule):  # type: ignore[misc]  # celery ships no type hints
    """Runs at each time the expression matches; after a pause, once, never a burst."""

    def __init__(self, expression: str, app: Any = None, nowfun: Any = None):
        self.expression = check_expression(expression)
        self.has_seconds = len(self.expression.split()) == 6
        super().__init__(nowfun=nowfun, app=app)

    def next_after(self, moment: datetime) -> datetime:
        moment = self.maybe_make_aware(moment)
        after: datetime = croniter(self.expression, moment, second_at_beginning=self.has_seconds).get_next(datetime)
        return after

    def interval_s(self) -> int:
        """Seconds between the next two runs: the longest a tick may wait before it is stale."""
        now: datetime = self.now()
        first = self.next_after(now)
        return max(1, round((self.next_after(first) - first).total_seconds()))

    def remaining_estimate(self, last_run_at: datetime) -> timedelta:
        now: datetime = self.now()
        return self.next_after(last_run_at) - now

    def is_due(self, last_run_at: datetime) -> schedstate:
        remaining_s = self.remaining_estimate(last_run_at).total_seconds()
        if remaining_s > 0:
            return schedstate(is_due=False, next=remaining_s)
        now: datetime = self.now()
        upcoming_s = (self.next_after(now) - now).total_seconds()
        return schedstate(is_due=True, next=max(upcoming_s, 0.0))

    def __repr__(self) -> str:
        return f"<cron: {self.expression}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CronSchedule) and other.expression == self.expression

    def __hash__(self) -> int:
        return hash(self.expression)

    def __reduce__(self) -> tuple[type[CronSchedule], tuple[str]]:
        return self.__class__, (self.expression,)
