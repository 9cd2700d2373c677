"""Prometheus families of the shared metrics, and the HTTP server that serves a registry.

`SharedMetricsCollector` renders the cluster-wide numbers kept in Redis; only one process
serves them (`celery -A tasks metrics serve`), so Prometheus' `sum()` counts each event once.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from typing import Any

from celery import Celery
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from tasks.deadletter import REASONS
from tasks.deadletter.store import counts_by_reason
from tasks.metrics import keys
from tasks.metrics.consumers import queue_consumers
from tasks.metrics.snapshot import snapshot

log = logging.getLogger(__name__)

#: Prefix of every metric name.
NAMESPACE = "tasks"


class SharedMetricsCollector(Collector):
    """Renders one `snapshot()` per scrape, with the dead letters by reason and each queue's consumers."""

    def __init__(self, app: Celery, inspect_timeout_s: float):
        self.app = app
        self.inspect_timeout_s = inspect_timeout_s

    def collect(self) -> Iterator[Metric]:
        view = snapshot(self.app)
        yield from task_metrics(view["tasks"])
        by_reason = counts_by_reason()
        dead_letters = GaugeMetricFamily(
            f"{NAMESPACE}_dead_letters_by_reason", "Entries in the dead-letter store.", labels=["reason"]
        )
        for reason in REASONS:
            dead_letters.add_metric([reason], by_reason.get(reason, 0))
        yield dead_letters
        queue_length = GaugeMetricFamily(f"{NAMESPACE}_queue_length", "Messages waiting in a queue.", labels=["queue"])
        for queue, length in view["queues"].items():
            queue_length.add_metric([queue], length)
        yield queue_length
        consumers = GaugeMetricFamily(
            f"{NAMESPACE}_queue_consumers", "Workers that answered they consume a queue.", labels=["queue"]
        )
        for queue, count in queue_consumers(self.app, self.inspect_timeout_s).items():
            consumers.add_metric([queue], count)
        yield consumers
        yield from worker_metrics(view["workers"])


def task_metrics(tasks: dict[str, dict[str, Any]]) -> Iterator[Metric]:
    for event in keys.EVENTS:
        counter = CounterMetricFamily(f"{NAMESPACE}_{event}", f"Tasks {event.replace('_', ' ')}.", labels=["task"])
        for task, view in tasks.items():
            counter.add_metric([task], view[event])
        yield counter
    dead_letters = GaugeMetricFamily(f"{NAMESPACE}_dead_letters", "Entries in the dead-letter store.", labels=["task"])
    for task, view in tasks.items():
        dead_letters.add_metric([task], view["dead_letters"])
    yield dead_letters
    for name, help_text in (
        ("runtime", "Task run time, from start to end."),
        ("queue_wait", "Time from publication (or ETA) to start."),
    ):
        histogram = HistogramMetricFamily(f"{NAMESPACE}_{name}_seconds", help_text, labels=["task"])
        for task, view in tasks.items():
            summary = view[name]
            if summary["count"]:
                histogram.add_metric([task], list(summary["buckets"].items()), summary["sum_s"])
        yield histogram


def worker_metrics(workers: dict[str, dict[str, Any]]) -> Iterator[Metric]:
    families: dict[str, CounterMetricFamily | GaugeMetricFamily] = {
        "processed": CounterMetricFamily(f"{NAMESPACE}_worker_processed", "Jobs processed.", labels=["worker"]),
        "succeeded": CounterMetricFamily(f"{NAMESPACE}_worker_succeeded", "Jobs succeeded.", labels=["worker"]),
        "failed": CounterMetricFamily(f"{NAMESPACE}_worker_failed", "Jobs failed.", labels=["worker"]),
        "pool_started": CounterMetricFamily(
            f"{NAMESPACE}_worker_pool_processes_started", "Pool processes started.", labels=["worker"]
        ),
        "pool_recycled": CounterMetricFamily(
            f"{NAMESPACE}_worker_pool_processes_recycled", "Pool processes that exited cleanly.", labels=["worker"]
        ),
        "pool_lost": CounterMetricFamily(
            f"{NAMESPACE}_worker_pool_processes_lost", "Pool processes killed or crashed.", labels=["worker"]
        ),
        "avg_process_s": GaugeMetricFamily(
            f"{NAMESPACE}_worker_average_process_seconds", "Average job run time.", labels=["worker"]
        ),
        "uptime_s": GaugeMetricFamily(f"{NAMESPACE}_worker_uptime_seconds", "Time since start.", labels=["worker"]),
        "running": GaugeMetricFamily(f"{NAMESPACE}_worker_running", "1 while heartbeats arrive.", labels=["worker"]),
    }
    last_job = GaugeMetricFamily(
        f"{NAMESPACE}_worker_last_job_timestamp_seconds", "End of the last job, Unix time.", labels=["worker"]
    )
    for worker, stats in workers.items():
        for field, family in families.items():
            value = stats[field]
            if value is not None:
                family.add_metric([worker], float(value))
        if stats["last_job_ts"] is not None:
            last_job.add_metric([worker], stats["last_job_ts"])
    yield from families.values()
    yield last_job


class PortInUse(OSError):
    """The `/metrics` port is taken, by another worker on the host or any other program."""


def serve(registry: CollectorRegistry, port: int, address: str) -> Any:
    """Serve `registry` on `/metrics` from a daemon thread; returns the server (to shut it down).

    Raises `PortInUse` when the port is taken: a second process never goes on unseen without its `/metrics`.
    """
    try:
        server, _thread = start_http_server(port, addr=address, registry=registry)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(errno.EADDRINUSE, f"{address}:{port} is already in use") from error
        raise
    log.info("Prometheus metrics on http://%s:%s/metrics", address, port)
    return server
