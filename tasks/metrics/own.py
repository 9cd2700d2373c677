"""Per-worker series served by a worker's own `/metrics`: its pool and its processes, labelled by worker.

Nothing here is shared through Redis: these are what only the worker's main process sees,
so every worker serving them never counts anything twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from celery.worker import state
from prometheus_client import ProcessCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

#: Prefix of the per-worker names (the cluster-wide `tasks_worker_*` come from the exporter).
PREFIX = "tasks_worker_"


class WorkerCollector(Collector):
    """The main process's stats, its pool processes (their count and memory) and the tasks it holds."""

    def __init__(self, hostname: str, pool_processes: Callable[[], list[Any]]):
        self.hostname = hostname
        self.pool_processes = pool_processes
        self.main = ProcessCollector(registry=None)

    def collect(self) -> Iterator[Metric]:
        worker = self.hostname
        for family in self.main.collect():
            yield relabelled(family, worker)
        children = [child for child in self.pool_processes() if getattr(child, "pid", None)]
        pool = GaugeMetricFamily(f"{PREFIX}pool_processes", "Live pool processes.", labels=["worker"])
        pool.add_metric([worker], len(children))
        yield pool
        memory = GaugeMetricFamily(
            f"{PREFIX}pool_resident_memory_bytes", "Resident memory of the pool processes together.", labels=["worker"]
        )
        memory.add_metric([worker], sum(resident_bytes(child.pid) for child in children))
        yield memory
        active = GaugeMetricFamily(f"{PREFIX}tasks_active", "Tasks running now.", labels=["worker"])
        active.add_metric([worker], len(state.active_requests))
        yield active
        reserved = GaugeMetricFamily(f"{PREFIX}tasks_reserved", "Tasks held: running or prefetched.", labels=["worker"])
        reserved.add_metric([worker], len(state.reserved_requests))
        yield reserved


def relabelled(family: Metric, worker: str) -> Metric:
    """`family` renamed under PREFIX, every sample with the worker's label."""
    renamed = Metric(PREFIX + family.name, family.documentation, family.type)
    for sample in family.samples:
        renamed.add_sample(PREFIX + sample.name, {**sample.labels, "worker": worker}, sample.value)
    return renamed


def resident_bytes(pid: int) -> float:
    """Resident memory of `pid`, 0 once it is gone (a pool process may exit between listing and reading)."""
    for family in ProcessCollector(pid=lambda: pid, registry=None).collect():
        if family.name == "process_resident_memory_bytes":
            return float(family.samples[0].value)
    return 0.0
