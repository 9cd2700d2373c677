"""The last health results and a short history in Redis; a status change logged at warning."""

from __future__ import annotations

import json
import logging
from typing import Any, Final

from tasks.metrics import keys as metric_keys
from tasks.redis_client import get_redis, key

logger = logging.getLogger(__name__)

LAST: Final = key("health", "last")
HISTORY: Final = key("health", "history")
#: Health results kept in the history, newest first.
KEEP: Final = 100


def task_totals() -> dict[str, int]:
    """Tasks finished so far, all names together: the base of the windowed error rate."""
    totals = {"succeeded": 0, "failed": 0}
    for item, value in get_redis().hgetall(metric_keys.COUNTS).items():
        event = str(item).rsplit("|", 1)[-1]
        if event in totals:
            totals[event] += int(value)
    return totals


def previous() -> dict[str, Any] | None:
    raw = get_redis().get(LAST)
    return json.loads(raw) if raw else None


def record(report: dict[str, Any], totals: dict[str, int]) -> str | None:
    """Keep `report` as the last result; returns the status it replaced, if any."""
    before = previous()
    entry = json.dumps({**report, "totals": totals})
    pipe = get_redis().pipeline(transaction=True)
    pipe.set(LAST, entry)
    pipe.lpush(HISTORY, entry)
    pipe.ltrim(HISTORY, 0, KEEP - 1)
    pipe.execute()
    old_status = before["status"] if before else None
    if old_status is not None and old_status != report["status"]:
        failing = [name for name, check in report["checks"].items() if check["status"] in {"degraded", "unhealthy"}]
        logger.warning(
            "platform health changed from %s to %s (%s)",
            old_status,
            report["status"],
            ", ".join(failing) or "all checks pass",
        )
    return old_status


def recent(count: int = 10) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in get_redis().lrange(HISTORY, 0, count - 1)]
