"""Where metrics live in Redis, shared by every worker and host."""

from __future__ import annotations

from typing import Final

from tasks.redis_client import key

#: Per task name and event: `HINCRBY counts "<task>|<event>"`.
COUNTS: Final = key("metrics", "counts")
#: Histograms: `"<task>|<bucket>"` counts (not cumulative), `"<task>|sum"`, `"<task>|count"`.
RUNTIME: Final = key("metrics", "runtime")
QUEUE_WAIT: Final = key("metrics", "queue_wait")
#: Hostnames of every worker that ever reported, and each one's stats hash.
WORKERS: Final = key("metrics", "workers")

#: Events counted per task name.
EVENTS: Final = ("received", "started", "succeeded", "failed", "retried", "dead_lettered", "rejected")

#: Upper bounds of the histogram buckets, seconds (Prometheus' `le`).
BUCKETS_S: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


def worker_key(hostname: str) -> str:
    return key("metrics", "worker", hostname)


def field(task: str, event: str) -> str:
    return f"{task}|{event}"


def bucket_for(value_s: float) -> str:
    """The label of the smallest bucket holding `value_s` ("+Inf" past the last)."""
    for bound in BUCKETS_S:
        if value_s <= bound:
            return repr(bound)
    return "+Inf"
