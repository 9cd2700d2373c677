"""A point-in-time view of the shared metrics, for the CLI, Prometheus and reports."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from celery import Celery

from tasks.deadletter.store import counts_by_task
from tasks.liveness.heartbeat import alive
from tasks.metrics import keys
from tasks.metrics.queue_lengths import queue_lengths
from tasks.redis_client import get_redis


def snapshot(app: Celery) -> dict[str, Any]:
    """Counts and histogram summaries per task name, queue lengths (of `app`'s broker) and per-worker stats.

    What the dead-letter store holds and which workers are alive are asked of their own
    packages, so the figures shown are theirs.
    """
    client = get_redis()
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(keys.COUNTS)
    pipe.hgetall(keys.RUNTIME)
    pipe.hgetall(keys.QUEUE_WAIT)
    pipe.smembers(keys.WORKERS)
    counts, runtime, queue_wait, workers = pipe.execute()
    workers = sorted(workers)
    pipe = client.pipeline(transaction=False)
    for worker in workers:
        pipe.hgetall(keys.worker_key(worker))
    stats_of = dict(zip(workers, pipe.execute(), strict=True))
    # A worker whose stats expired (gone for TASKS_METRICS__WORKER_STATS_TTL_S) leaves the set too.
    gone = [worker for worker, stats in stats_of.items() if not stats]
    if gone:
        client.srem(keys.WORKERS, *gone)
    present = {worker: stats for worker, stats in stats_of.items() if stats}
    running = alive(present)

    tasks: dict[str, dict[str, Any]] = defaultdict(_empty_task)
    for item, value in counts.items():
        task, event = item.rsplit("|", 1)
        tasks[task][event] = int(value)
    for name, histogram in (("runtime", runtime), ("queue_wait", queue_wait)):
        for task, summary in summarize(histogram).items():
            tasks[task][name] = summary
    for task, size in counts_by_task().items():
        tasks[task]["dead_letters"] = size
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tasks": dict(sorted(tasks.items())),
        "queues": queue_lengths(app),
        "workers": {worker: worker_stats(stats, running[worker]) for worker, stats in present.items()},
    }


def _empty_task() -> dict[str, Any]:
    task: dict[str, Any] = dict.fromkeys(keys.EVENTS, 0)
    task["runtime"] = _empty_histogram()
    task["queue_wait"] = _empty_histogram()
    task["dead_letters"] = 0
    return task


def _empty_histogram() -> dict[str, Any]:
    return {"count": 0, "sum_s": 0.0, "avg_s": None, "p50_s": None, "p95_s": None, "buckets": {}}


def summarize(histogram: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per task: count, sum, average, bucket-bound percentiles and cumulative buckets."""
    raw: dict[str, dict[str, float]] = defaultdict(dict)
    for item, value in histogram.items():
        task, part = item.rsplit("|", 1)
        raw[task][part] = float(value)
    summaries = {}
    for task, parts in raw.items():
        count = int(parts.pop("count", 0))
        total_s = parts.pop("sum", 0.0)
        buckets = cumulative(parts)
        summaries[task] = {
            "count": count,
            "sum_s": round(total_s, 6),
            "avg_s": round(total_s / count, 6) if count else None,
            "p50_s": percentile(buckets, count, 0.50),
            "p95_s": percentile(buckets, count, 0.95),
            "buckets": buckets,
        }
    return summaries


def cumulative(parts: dict[str, float]) -> dict[str, int]:
    """Prometheus-style cumulative counts for every bound, "+Inf" last."""
    running = 0
    buckets = {}
    for bound in [*(repr(b) for b in keys.BUCKETS_S), "+Inf"]:
        running += int(parts.get(bound, 0))
        buckets[bound] = running
    return buckets


def percentile(buckets: dict[str, int], count: int, q: float) -> float | None:
    """The upper bound of the bucket holding the q-quantile (None past the last bound)."""
    if not count:
        return None
    for bound, running in buckets.items():
        if running >= q * count:
            return None if bound == "+Inf" else float(bound)
    return None


def worker_stats(stats: dict[str, str], alive: bool) -> dict[str, Any]:
    processed = int(stats.get("processed", 0))
    process_s = float(stats.get("process_s_sum", 0.0))
    started_at = float(stats["started_at"]) if "started_at" in stats else None
    last_job_at = float(stats["last_job_at"]) if "last_job_at" in stats else None
    return {
        "processed": processed,
        "succeeded": int(stats.get("succeeded", 0)),
        "failed": int(stats.get("failed", 0)),
        "retried": int(stats.get("retried", 0)),
        # Pool processes started, recycled (clean exit) and lost (killed or crashed).
        "pool_started": int(stats.get("pool_started", 0)),
        "pool_recycled": int(stats.get("pool_recycled", 0)),
        "pool_lost": int(stats.get("pool_lost", 0)),
        "avg_process_s": round(process_s / processed, 6) if processed else None,
        "last_job_at": _iso(last_job_at),
        "last_job_ts": last_job_at,
        "uptime_s": round(time.time() - started_at, 1) if alive and started_at else None,
        "running": alive,
    }


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds") if timestamp else None
