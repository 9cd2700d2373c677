"""The workers check: they answer ping, their pools keep their processes, queues are not backed up, few tasks fail."""

from __future__ import annotations

from celery import Celery

from tasks.core.probe import CheckResult
from tasks.health.history import previous, task_totals
from tasks.metrics import keys, pool
from tasks.metrics.queue_lengths import queue_lengths
from tasks.redis_client import get_redis
from tasks.settings import HealthSettings, Settings

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
    stalled, problems = pool_problems(sorted(replies), settings.health)
    depths = queue_lengths(app)
    deep = {queue: n for queue, n in depths.items() if n > settings.health.queue_depth_threshold}
    if deep:
        problems.append("backed-up queues: " + ", ".join(f"{queue} {n}" for queue, n in sorted(deep.items())))
    last = previous()
    rate = error_rate(last.get("totals") if last else None, task_totals())
    if rate is not None and rate > settings.health.error_rate_threshold:
        problems.append(f"error rate {rate:.0%} since the previous check")
    summary = f"{len(replies)} worker(s) answered ping"
    if stalled:
        return CheckResult("unhealthy", f"{summary}; " + "; ".join(stalled + problems))
    if problems:
        return CheckResult("degraded", f"{summary}; " + "; ".join(problems))
    return CheckResult("healthy", summary)


def pool_problems(workers: list[str], settings: HealthSettings) -> tuple[list[str], list[str]]:
    """Workers whose pool has stalled (losing processes, running nothing) and those merely losing some."""
    stalled: list[str] = []
    losing: list[str] = []
    for worker in workers:
        losses = pool.recent_losses(worker, settings.pool_loss_window_s)
        if not losses:
            continue
        text = f"{worker} lost {len(losses)} pool process(es) in {settings.pool_loss_window_s} s"
        last_job = get_redis().hget(keys.worker_key(worker), "last_job_at")
        if len(losses) >= settings.pool_loss_threshold and (last_job is None or float(last_job) < losses[0]):
            stalled.append(f"pool stalled: {text}, no task finished since")
        else:
            losing.append(text)
    return stalled, losing
