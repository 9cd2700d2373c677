"""The metrics hook through a real worker: counts, histograms, rejected messages, its own /metrics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from celery import Celery
from prometheus_client.parser import text_string_to_metric_families

from tests.harness.exporter import running_exporter
from tests.harness.services import free_port
from tests.harness.workers import WorkerProcess, wait_for


def task_view(name: str) -> dict[str, Any]:
    from tasks import app
    from tasks.metrics import snapshot

    view: dict[str, Any] = snapshot(app)["tasks"].get(name) or {}
    return view


def counts(name: str) -> dict[str, int]:
    view = task_view(name)
    events = ("received", "started", "succeeded", "failed", "retried", "dead_lettered", "rejected")
    return {event: int(view.get(event, 0)) for event in events}


def expect_deltas(name: str, before: dict[str, int], **expected: int) -> None:
    """Wait until every count of `name` moved by exactly `expected` (0 for the others)."""
    wanted = {event: expected.get(event, 0) for event in before}

    def deltas() -> dict[str, int]:
        after = counts(name)
        return {event: after[event] - before[event] for event in after}

    wait_for(lambda: deltas() == wanted, 30, what=f"{name} counts moved by {wanted}")


def test_counts_and_histograms_rise_by_the_tasks_sent(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    sample_worker()
    before, failed_before = counts("testing.work"), counts("testing.permanent_failure")
    runtime_before = task_view("testing.work").get("runtime", {}).get("count", 0)
    wait_before = task_view("testing.work").get("queue_wait", {}).get("count", 0)

    results = [app.send_task("testing.work", kwargs={"value": n}) for n in range(7)]
    for n in range(3):
        app.send_task("testing.permanent_failure", kwargs={"value": n})

    assert [r.get(timeout=30) for r in results] == list(range(7))
    expect_deltas("testing.work", before, received=7, started=7, succeeded=7)
    expect_deltas("testing.permanent_failure", failed_before, received=3, started=3, failed=3, dead_lettered=3)
    view = task_view("testing.work")
    assert view["runtime"]["count"] - runtime_before == 7
    assert view["queue_wait"]["count"] - wait_before == 7
    assert view["runtime"]["buckets"]["+Inf"] == view["runtime"]["count"]
    assert view["runtime"]["sum_s"] > 0


def test_retries_are_counted(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    sample_worker()
    before = counts("testing.transient_failure")

    app.send_task("testing.transient_failure", kwargs={"value": 1})

    # max_retries=2: three runs, two retried, one failed for good.
    expect_deltas("testing.transient_failure", before, received=3, started=3, retried=2, failed=1, dead_lettered=1)


def test_unknown_task_is_counted_as_rejected(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    worker = sample_worker()
    before = counts("unknown")

    app.send_task("testing.no_such_task", kwargs={})
    app.send_task("testing.work", kwargs={"value": 5}).get(timeout=30)

    # Counted under one name, so hostile names cannot add a field each; the name is in the log.
    wait_for(lambda: counts("unknown")["rejected"] == before["rejected"] + 1, 20)
    assert counts("testing.no_such_task")["rejected"] == 0
    wait_for(lambda: "unknown task testing.no_such_task" in worker.log(), 10, what="the refusal logged")


def test_the_workers_port_serves_its_own_series_and_the_exporter_the_tasks(
    app: Celery, sample_worker: Callable[..., WorkerProcess], run_dir: Path
) -> None:
    port = free_port()
    worker = sample_worker(env={"TASKS_METRICS__PORT": str(port), "TASKS_METRICS__ADDRESS": "127.0.0.1"})
    app.send_task("testing.work", kwargs={"value": 1}).get(timeout=30)
    wait_for(lambda: task_view("testing.work").get("succeeded"), 10, what="the counts flushed")

    own = {f.name: f for f in text_string_to_metric_families(httpx.get(f"http://127.0.0.1:{port}/metrics").text)}
    with running_exporter(run_dir / "exporters") as exporter:
        text = httpx.get(exporter.url, timeout=30).text

    assert not {"tasks_succeeded", "tasks_runtime_seconds", "tasks_queue_length"} & set(own)
    assert [s.labels for s in own["tasks_worker_pool_processes"].samples] == [{"worker": worker.name}]
    families = {family.name: family for family in text_string_to_metric_families(text)}
    succeeded = {s.labels["task"]: s.value for s in families["tasks_succeeded"].samples if s.name.endswith("_total")}
    assert succeeded["testing.work"] >= 1
    runtime = families["tasks_runtime_seconds"]
    assert runtime.type == "histogram"
    assert any(s.labels.get("task") == "testing.work" and s.name.endswith("_count") for s in runtime.samples)
    assert "default" in {s.labels["queue"] for s in families["tasks_queue_length"].samples}
    assert any(s.value == 1.0 for s in families["tasks_worker_running"].samples)


def test_pickled_message_is_refused_counted_and_logged(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    import uuid

    worker = sample_worker()
    before = counts("testing.work")
    task_id = uuid.uuid4().hex

    with app.producer_or_acquire() as producer:
        producer.publish(
            ((), {"value": 1}, {}),
            serializer="pickle",
            exchange="default",
            routing_key="default",
            headers={"lang": "py", "task": "testing.work", "id": task_id, "root_id": task_id},
        )
    # The worker refuses it and goes on working.
    assert app.send_task("testing.work", kwargs={"value": 2}).get(timeout=30) == 2

    expect_deltas("testing.work", before, received=1, started=1, succeeded=1, rejected=1)
    wait_for(lambda: f"refused message id={task_id} task=testing.work" in worker.log(), 10, what="refusal logged")


def test_a_task_killed_by_its_hard_time_limit_is_counted(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    sample_worker()
    before = counts("testing.hard_limit")

    app.send_task("testing.hard_limit", kwargs={"sleep_s": 30})

    expect_deltas("testing.hard_limit", before, received=1, started=1, failed=1, dead_lettered=1)
