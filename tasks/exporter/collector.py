"""The cluster-wide collector: shared metrics, the last health result and ingestion in progress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, get_args

from celery import Celery
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tasks.core.probe import Overall, Status
from tasks.health.history import previous
from tasks.metrics.prometheus import NAMESPACE, SharedMetricsCollector
from tasks.upload.records import processing_stages
from tasks.upload.stages import STAGES


class ClusterCollector(Collector):
    """What the platform as a whole does; one process serves it, so nothing is counted twice."""

    def __init__(self, app: Celery, inspect_timeout_s: float):
        self.shared = SharedMetricsCollector(app, inspect_timeout_s)

    def collect(self) -> Iterator[Metric]:
        yield from self.shared.collect()
        yield from health_metrics(previous())
        yield documents_processing(processing_stages())


def health_metrics(report: dict[str, Any] | None) -> Iterator[Metric]:
    """The last `health.check_dependencies` result, one series per status (1 for the one in force)."""
    overall = GaugeMetricFamily(
        f"{NAMESPACE}_health_status", "1 for the platform's status at the last health check.", labels=["status"]
    )
    checks = GaugeMetricFamily(
        f"{NAMESPACE}_health_check_status",
        "1 for each dependency's status at the last health check.",
        labels=["check", "status"],
    )
    checked_at = GaugeMetricFamily(
        f"{NAMESPACE}_health_checked_timestamp_seconds", "When the last health check ran, Unix time."
    )
    if report is not None:
        for status in get_args(Overall):
            overall.add_metric([status], float(report["status"] == status))
        for name, check in report["checks"].items():
            for status in get_args(Status):
                checks.add_metric([name, status], float(check["status"] == status))
        checked_at.add_metric([], datetime.fromisoformat(report["checked_at"]).timestamp())
    yield overall
    yield checks
    yield checked_at


def documents_processing(by_stage: dict[str, int]) -> Metric:
    family = GaugeMetricFamily(
        f"{NAMESPACE}_documents_processing", "Documents being ingested, by the stage they are in.", labels=["stage"]
    )
    for stage in STAGES:
        if stage != "completed":
            family.add_metric([stage], by_stage.get(stage, 0))
    return family


def cluster_registry(app: Celery, inspect_timeout_s: float) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ClusterCollector(app, inspect_timeout_s))
    return registry
