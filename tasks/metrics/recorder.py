"""Task events into the shared metrics, through the process's buffer (tasks.metrics.buffer)."""

from __future__ import annotations

import time

from tasks.metrics import keys
from tasks.metrics.buffer import MetricsBuffer, get_buffer
from tasks.redis_client import get_redis
from tasks.settings import get_settings

#: The name unknown or unregistered task names are counted under, so hostile names add no field.
UNKNOWN_TASK = "unknown"


def known_task(name: str | None) -> str:
    """`name` if the platform registers a task of that name, else UNKNOWN_TASK."""
    from tasks.application import app

    return name if name and name in app.tasks else UNKNOWN_TASK


def count(task: str, event: str) -> None:
    get_buffer().incr(keys.COUNTS, keys.field(task, event))


def started(task: str, queue_wait_s: float | None) -> None:
    buffer = get_buffer()
    buffer.incr(keys.COUNTS, keys.field(task, "started"))
    if queue_wait_s is not None:
        _observe(buffer, keys.QUEUE_WAIT, task, max(queue_wait_s, 0.0))


def finished(task: str, outcome: str, runtime_s: float | None, worker: str | None) -> None:
    """`outcome` is succeeded, failed or retried; the worker's stats move too."""
    buffer = get_buffer()
    buffer.incr(keys.COUNTS, keys.field(task, outcome))
    if runtime_s is not None:
        _observe(buffer, keys.RUNTIME, task, runtime_s)
    if worker:
        stats = keys.worker_key(worker)
        buffer.incr(stats, "processed")
        buffer.incr(stats, outcome)
        buffer.set_latest(stats, "last_job_at", time.time())
        if runtime_s is not None:
            buffer.incr_float(stats, "process_s_sum", runtime_s)
        buffer.expire(stats, get_settings().metrics.worker_stats_ttl_s)


def worker_started(worker: str) -> None:
    pipe = get_redis().pipeline(transaction=False)
    pipe.sadd(keys.WORKERS, worker)
    pipe.hset(keys.worker_key(worker), "started_at", time.time())
    pipe.expire(keys.worker_key(worker), get_settings().metrics.worker_stats_ttl_s)
    pipe.execute()


def flush() -> None:
    """Write this process's pending updates now (at shutdown)."""
    get_buffer().close()


def _observe(buffer: MetricsBuffer, histogram: str, task: str, value_s: float) -> None:
    buffer.incr(histogram, keys.field(task, keys.bucket_for(value_s)))
    buffer.incr(histogram, keys.field(task, "count"))
    buffer.incr_float(histogram, keys.field(task, "sum"), value_s)
