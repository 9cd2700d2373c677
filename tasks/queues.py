"""The platform's queues, their time limits, and the routes from task names to them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Queue(StrEnum):
    DEFAULT = "default"
    UPLOADS = "uploads"
    PR = "pr"
    PR_PRIORITY = "pr.priority"
    INFRA = "infra"
    SCHEDULED = "scheduled"


@dataclass(frozen=True)
class Limits:
    """Soft and hard time limits of the tasks of one queue family."""

    soft_s: int
    hard_s: int


#: Time limits per queue; uploads of large documents are the longest work.
LIMITS: dict[Queue, Limits] = {
    Queue.DEFAULT: Limits(soft_s=300, hard_s=360),
    Queue.UPLOADS: Limits(soft_s=3600, hard_s=3900),
    Queue.PR: Limits(soft_s=120, hard_s=180),
    Queue.PR_PRIORITY: Limits(soft_s=300, hard_s=360),
    Queue.INFRA: Limits(soft_s=1800, hard_s=2100),
    Queue.SCHEDULED: Limits(soft_s=300, hard_s=360),
}

#: Task names routed by their prefix; the longest matching prefix wins.
PREFIX_ROUTES: dict[str, Queue] = {
    "uploads.": Queue.UPLOADS,
    "pr.": Queue.PR,
    "pr.analyze_check_failure": Queue.PR_PRIORITY,
    "pr.apply_fix": Queue.PR_PRIORITY,
    "infra.": Queue.INFRA,
    "health.": Queue.SCHEDULED,
    "maintenance.": Queue.SCHEDULED,
    "reports.": Queue.SCHEDULED,
}


def queue_for(task_name: str) -> Queue:
    """The queue a task name is routed to."""
    matches = [prefix for prefix in PREFIX_ROUTES if task_name.startswith(prefix)]
    if not matches:
        return Queue.DEFAULT
    return PREFIX_ROUTES[max(matches, key=len)]


def longest_hard_limit_s() -> int:
    return max(limits.hard_s for limits in LIMITS.values())
