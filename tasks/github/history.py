"""What the repair loop did on each pull request, in Redis: `tasks:github:history:{repo}:{number}`.

A list of events, oldest first: each repair decided by `pr.analyze_check_failure`
(queued or not, and why) and each outcome of `pr.apply_fix` (pushed, re-ran,
suggested or refused, and why). Bounded in length and kept as long as the
monitor's marks; the summary comment and `celery -A tasks pr show` read it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from tasks.redis_client import get_redis, key

#: Events kept per pull request (the oldest are dropped).
MAX_EVENTS = 200
#: How long a pull request's history is kept after its last event.
TTL_S = 30 * 86_400

Outcome = Literal["queued", "not_queued", "pushed", "rerun", "suggested", "refused"]


@dataclass(frozen=True)
class Event:
    head_sha: str
    strategy: str | None
    outcome: Outcome
    reason: str
    #: The failed check that led to a decision; outcomes of `pr.apply_fix` name none.
    check: str | None = None
    commit_sha: str | None = None
    #: A model's diff posted instead of committed (TASKS_GITHUB__AUTO_FIX_PATCHES off).
    suggestion: str | None = None
    at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def history_key(repository: str, number: int) -> str:
    return key("github", "history", repository, str(number))


def record(repository: str, number: int, event: Event) -> None:
    stamped = {**event.as_dict(), "at": event.at or datetime.now(UTC).isoformat(timespec="seconds")}
    name = history_key(repository, number)
    pipe = get_redis().pipeline()
    pipe.rpush(name, json.dumps(stamped))
    pipe.ltrim(name, -MAX_EVENTS, -1)
    pipe.expire(name, TTL_S)
    pipe.execute()


def load(repository: str, number: int) -> list[Event]:
    return [Event(**json.loads(raw)) for raw in get_redis().lrange(history_key(repository, number), 0, -1)]


def pushed_as(events: list[Event], commit_sha: str) -> Event | None:
    """The event of the platform pushing `commit_sha`, when the commit is one of its fixes."""
    return next((e for e in events if e.outcome == "pushed" and e.commit_sha == commit_sha), None)
