"""The observability profile's files: alert rules pass promtool, and the dashboard and rules ask only
for series that a real exporter and a real worker's own port serve."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery import Celery

from tasks.metrics import keys
from tasks.redis_client import get_redis
from tests.harness.exporter import running_exporter, samples
from tests.harness.services import free_port
from tests.harness.workers import WorkerProcess, wait_for

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
GRAFANA = DEPLOY / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "tasks-platform.json"
#: Series Prometheus makes itself rather than scrapes.
PROMETHEUS_OWN = {"up"}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    assert binary is not None, "promtool is missing: apt-get install -y prometheus (scripts/setup.sh does)"
    return subprocess.run([binary, *args], capture_output=True, text=True, cwd=PROMETHEUS, timeout=60, check=False)


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def panels() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(DASHBOARD.read_text())["panels"]
    return found


def metric_names(expression: str) -> set[str]:
    """The series names an expression reads: identifiers of the platform's namespace, or Prometheus' own."""
    unquoted = re.sub(r'"[^"]*"', '""', expression)
    return {name for name in re.findall(r"\b[a-z_][a-z0-9_]*\b", unquoted) if name.startswith("tasks_")} | {
        name for name in PROMETHEUS_OWN if re.search(rf"\b{name}\{{", unquoted)
    }


def test_the_alert_rules_and_the_prometheus_config_pass_promtool() -> None:
    checked = promtool("check", "rules", "alerts.yml")
    config = promtool("check", "config", "prometheus.yml")
    unit = promtool("test", "rules", "alerts.test.yml")

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert config.returncode == 0, config.stdout + config.stderr
    assert unit.returncode == 0, unit.stdout + unit.stderr


def test_the_rules_cover_what_the_platform_must_alert_on() -> None:
    alerts = {rule["alert"]: rule for rule in rules()}

    assert {
        "TasksDeadLettersGrowing",
        "TasksQueueWaitHigh",
        "TasksQueueWithoutConsumer",
        "TasksWorkerGone",
        "TasksUnhealthy",
    } <= set(alerts)
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name


def test_the_dashboard_is_provisioned_on_the_prometheus_datasource() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    providers = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "tasks.yml").read_text())
    uid = datasources["datasources"][0]["uid"]
    found = panels()

    assert datasources["datasources"][0]["url"] == "http://prometheus:9090"
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    assert len({panel["id"] for panel in found}) == len(found)
    titles = " ".join(panel["title"].lower() for panel in found)
    for subject in ("throughput", "failures", "dead letters by reason", "queue depth", "queue wait", "liveness"):
        assert subject in titles
    assert "ingestion" in titles
    for panel in found:
        assert panel["datasource"]["uid"] == uid, panel["title"]
        assert panel["targets"], panel["title"]
        assert all(target["datasource"]["uid"] == uid for target in panel["targets"]), panel["title"]


@pytest.fixture
def served_names(app: Celery, start_worker: Callable[..., WorkerProcess], run_dir: Path) -> Iterator[set[str]]:
    """Every sample name a real exporter and a real worker's own port serve, after a health check ran."""
    port = free_port()
    start_worker(env={"TASKS_METRICS__PORT": str(port), "TASKS_METRICS__ADDRESS": "127.0.0.1"})
    app.send_task("health.check_dependencies").get(timeout=60)
    wait_for(
        lambda: get_redis().hget(keys.RUNTIME, keys.field("health.check_dependencies", "count")),
        timeout_s=20,
        what="the run time flushed",
    )
    with running_exporter(run_dir / "exporters") as exporter:
        found = samples(exporter.url) + samples(f"http://127.0.0.1:{port}/metrics")
        yield {sample.name for sample in found}


def test_every_expression_reads_a_series_that_is_really_served(served_names: set[str]) -> None:
    expressions = [target["expr"] for panel in panels() for target in panel["targets"]]
    expressions += [rule["expr"] for rule in rules()]
    used = set().union(*(metric_names(expression) for expression in expressions))

    assert "tasks_queue_wait_seconds_bucket" in used and "tasks_health_status" in used
    assert used - PROMETHEUS_OWN - served_names == set()
