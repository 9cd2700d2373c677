"""`celery -A tasks metrics` as a user runs it: table, JSON and Prometheus text."""

from __future__ import annotations

import json
import uuid
from functools import partial
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tasks.metrics.recorder import Recorder
from tasks.settings import get_settings
from tests.harness.cli import celery

metrics = partial(celery, "metrics")


def test_table_json_and_prometheus(tmp_path: Path) -> None:
    name = f"testing.cli_{uuid.uuid4().hex[:8]}"
    recorder = Recorder(get_settings().metrics)
    recorder.count(name, "received")
    recorder.started(name, 0.5)
    recorder.finished(name, "succeeded", 0.25, None)
    recorder.flush()

    table = metrics(cwd=tmp_path)
    as_json = metrics("--json", cwd=tmp_path)
    prometheus = metrics("--prometheus", cwd=tmp_path)
    both = metrics("--json", "--prometheus", cwd=tmp_path)

    assert table.returncode == 0, table.stderr
    assert name in table.stdout and "QUEUE" in table.stdout
    document = json.loads(as_json.stdout)
    assert document["tasks"][name]["succeeded"] == 1
    assert document["tasks"][name]["runtime"]["count"] == 1
    assert set(document["queues"]) == {"default", "uploads", "pr", "pr.priority", "infra", "scheduled"}
    families = {family.name: family for family in text_string_to_metric_families(prometheus.stdout)}
    received = [s for s in families["tasks_received"].samples if s.labels.get("task") == name]
    assert [s.value for s in received if s.name == "tasks_received_total"] == [1.0]
    wait = [s for s in families["tasks_queue_wait_seconds"].samples if s.labels.get("task") == name]
    assert {s.name for s in wait} >= {"tasks_queue_wait_seconds_bucket", "tasks_queue_wait_seconds_count"}
    assert both.returncode != 0
