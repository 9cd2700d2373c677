"""Prometheus `/metrics` for the worker's main process: a collector that reads the shared metrics."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from celery import Celery
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from tasks.metrics import keys
from tasks.metrics.snapshot import snapshot

log = logging.getLogger(__name__)

#: Prefix of every metric name.
NAMESPACE = "tasks"


class SharedMetricsCollector(Collector):
    """Renders one `snapshot()` per scrape: every worker serves the same, cluster-wide numbers."""

    def __init__(self, app: Celery):
        self.app = app

    def collect(self) -> Iterator[Metric]:
        view = snapshot(self.app)
        yield from task_metrics(view["tasks"])
        queue_length = GaugeMetricFamily(f"{NAMESPACE}_queue_length", "Messages waiting in a queue.", labels=["queue"])
        for queue, length in view["queues"].items():
            queue_length.add_metric([queue], length)
        yield queue_length
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


def serve(app: Celery, port: int, address: str) -> Any:
    """Start the HTTP server thread; returns the server (to shut it down)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SharedMetricsCollector(app))
    server, _thread = start_http_server(port, addr=address, registry=registry)
    log.info("Prometheus metrics on http://%s:%s/metrics", address, port)
    return server
