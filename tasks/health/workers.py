"""The workers check: they answer ping, queues are not backed up, few tasks fail."""

from __future__ import annotations

from celery import Celery

from tasks.health.history import previous, task_totals
from tasks.health.model import CheckResult
from tasks.metrics.queues import queue_lengths
from tasks.settings import Settings

#: Bound on waiting for ping replies.
PING_TIMEOUT_S = 1.0


def error_rate(before: dict[str, int] | None, now: dict[str, int]) -> float | None:
    """Failed / finished tasks between two totals; None when nothing finished."""
    base = before or {"succeeded": 0, "failed": 0}
    failed = now["failed"] - base.get("failed", 0)
    finished = failed + now["succeeded"] - base.get("succeeded", 0)
    return failed / finished if finished > 0 and failed >= 0 else None


def check_workers(app: Celery, settings: Settings) -> CheckResult:
    replies = app.control.inspect(timeout=PING_TIMEOUT_S).ping() or {}
    if not replies:
        return CheckResult("unhealthy", "no worker answered ping")
    problems = []
    depths = queue_lengths(app)
    deep = {queue: n for queue, n in depths.items() if n > settings.health.queue_depth_threshold}
    if deep:
        problems.append("backed-up queues: " + ", ".join(f"{queue} {n}" for queue, n in sorted(deep.items())))
    last = previous()
    rate = error_rate(last.get("totals") if last else None, task_totals())
    if rate is not None and rate > settings.health.error_rate_threshold:
        problems.append(f"error rate {rate:.0%} since the previous check")
    summary = f"{len(replies)} worker(s) answered ping"
    if problems:
        return CheckResult("degraded", f"{summary}; " + "; ".join(problems))
    return CheckResult("healthy", summary)
