"""Task events into the shared metrics, through a per-process buffer (tasks.metrics.buffer)."""

from __future__ import annotations

import time
from collections.abc import Container

from tasks.metrics import keys
from tasks.metrics.buffer import MetricsBuffer
from tasks.redis_client import get_redis
from tasks.settings import MetricsSettings

#: The name unknown or unregistered task names are counted under, so hostile names add no field.
UNKNOWN_TASK = "unknown"


def known_task(name: str | None, known: Container[str]) -> str:
    """`name` if it is one of the `known` task names (the app's registry), else UNKNOWN_TASK."""
    return name if name and name in known else UNKNOWN_TASK


def count_now(task: str, event: str) -> None:
    """Count one event at once, outside the buffer (`dead_lettered`, written when the entry is)."""
    get_redis().hincrby(keys.COUNTS, keys.field(task, event), 1)


class Recorder:
    """Writes task events with the flush interval and stats expiry of `settings`."""

    def __init__(self, settings: MetricsSettings):
        self.stats_ttl_s = settings.worker_stats_ttl_s
        self.buffer = MetricsBuffer(settings.flush_interval_s)

    def count(self, task: str, event: str) -> None:
        self.buffer.incr(keys.COUNTS, keys.field(task, event))

    def started(self, task: str, queue_wait_s: float | None) -> None:
        self.buffer.incr(keys.COUNTS, keys.field(task, "started"))
        if queue_wait_s is not None:
            self._observe(keys.QUEUE_WAIT, task, max(queue_wait_s, 0.0))

    def finished(self, task: str, outcome: str, runtime_s: float | None, worker: str | None) -> None:
        """`outcome` is succeeded, failed or retried; the worker's stats move too."""
        buffer = self.buffer
        buffer.incr(keys.COUNTS, keys.field(task, outcome))
        if runtime_s is not None:
            self._observe(keys.RUNTIME, task, runtime_s)
        if worker:
            stats = keys.worker_key(worker)
            buffer.incr(stats, "processed")
            buffer.incr(stats, outcome)
            buffer.set_latest(stats, "last_job_at", time.time())
            if runtime_s is not None:
                buffer.incr_float(stats, "process_s_sum", runtime_s)
            buffer.expire(stats, self.stats_ttl_s)

    def worker_started(self, worker: str) -> None:
        pipe = get_redis().pipeline(transaction=False)
        pipe.sadd(keys.WORKERS, worker)
        pipe.hset(keys.worker_key(worker), "started_at", time.time())
        pipe.expire(keys.worker_key(worker), self.stats_ttl_s)
        pipe.execute()

    def flush(self) -> None:
        """Write this process's pending updates now (at shutdown)."""
        self.buffer.close()

    def _observe(self, histogram: str, task: str, value_s: float) -> None:
        self.buffer.incr(histogram, keys.field(task, keys.bucket_for(value_s)))
        self.buffer.incr(histogram, keys.field(task, "count"))
        self.buffer.incr_float(histogram, keys.field(task, "sum"), value_s)
