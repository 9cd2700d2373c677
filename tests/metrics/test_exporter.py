"""One exporter for the cluster-wide series; each worker's own port serves only its own, labelled by worker."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from celery import Celery

from tasks.metrics import keys
from tasks.redis_client import get_redis
from tests.harness.cli import celery
from tests.harness.exporter import Exporter, running_exporter, samples, value
from tests.harness.services import free_port
from tests.harness.workers import WorkerProcess, wait_for

#: A cheap task of the platform's that any worker runs.
TASK = "maintenance.trim_dead_letters"


@pytest.fixture
def exporter(run_dir: Path) -> Iterator[Exporter]:
    # Time enough for every worker to answer which queues it consumes on a loaded machine.
    with running_exporter(run_dir / "exporters", TASKS_METRICS__INSPECT_TIMEOUT_S="3") as running:
        yield running


def own_port(start_worker: Callable[..., WorkerProcess]) -> tuple[WorkerProcess, str]:
    port = free_port()
    worker = start_worker(env={"TASKS_METRICS__PORT": str(port), "TASKS_METRICS__ADDRESS": "127.0.0.1"})
    return worker, f"http://127.0.0.1:{port}/metrics"


def shared_count(event: str) -> int:
    return int(get_redis().hget(keys.COUNTS, keys.field(TASK, event)) or 0)


def test_two_workers_on_one_host_and_the_exporter_count_every_task_once(
    app: Celery, start_worker: Callable[..., WorkerProcess], exporter: Exporter
) -> None:
    first, first_url = own_port(start_worker)
    second, second_url = own_port(start_worker)
    before = {event: shared_count(event) for event in ("received", "succeeded")}

    results = [app.send_task(TASK) for _ in range(6)]
    for result in results:
        result.get(timeout=60)
    wait_for(
        lambda: all(shared_count(event) == count + 6 for event, count in before.items()),
        timeout_s=20,
        what="the flushed counts",
    )

    served = samples(exporter.url)
    worker_series = {url: samples(url) for url in (first_url, second_url)}
    everything = served + [sample for found in worker_series.values() for sample in found]
    assert value(everything, "tasks_succeeded_total", task=TASK) == shared_count("succeeded") == before["succeeded"] + 6
    assert value(everything, "tasks_received_total", task=TASK) == shared_count("received") == before["received"] + 6
    for worker, url in ((first, first_url), (second, second_url)):
        own = worker_series[url]
        assert {s.labels.get("worker") for s in own} == {worker.name}, "a worker serves only its own series"
        assert not [s for s in own if s.name.startswith(("tasks_succeeded", "tasks_received", "tasks_queue"))]
        assert value(own, "tasks_worker_pool_processes") == 2
        assert value(own, "tasks_worker_process_resident_memory_bytes") > 0
        assert value(own, "tasks_worker_pool_resident_memory_bytes") > 0
        assert value(served, "tasks_worker_running", worker=worker.name) == 1
    processed = [value(served, "tasks_worker_processed_total", worker=w.name) for w in (first, second)]
    assert sum(processed) == 6
    # The shared worker of the session, if any, consumes nothing while these two run.
    consumers = {s.labels["queue"]: s.value for s in served if s.name == "tasks_queue_consumers"}
    assert consumers == dict.fromkeys(("default", "uploads", "pr", "pr.priority", "infra", "scheduled"), 2.0)


def test_a_worker_whose_port_is_taken_does_not_start(start_worker: Callable[..., WorkerProcess]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match="exited with") as failure:
            start_worker(env={"TASKS_METRICS__PORT": str(port), "TASKS_METRICS__ADDRESS": "127.0.0.1"})

    assert f"127.0.0.1:{port} is already in use" in str(failure.value)
    assert "TASKS_METRICS__PORT" in str(failure.value)


def test_the_serve_command_answers_metrics_and_refuses_a_taken_port(exporter: Exporter, tmp_path: Path) -> None:
    answer = httpx.get(exporter.url, timeout=30)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    names = {sample.name for sample in samples(exporter.url)}
    assert {"tasks_queue_length", "tasks_queue_consumers", "tasks_dead_letters_by_reason"} <= names
    port = exporter.url.rsplit(":", 1)[1].split("/")[0]
    taken = celery("metrics", "serve", "--address", "127.0.0.1", "--port", port, cwd=tmp_path, timeout_s=60)
    assert taken.returncode != 0
    assert f"127.0.0.1:{port} is already in use" in taken.stderr


def test_the_serve_command_stops_cleanly_on_sigterm(run_dir: Path) -> None:
    with running_exporter(run_dir / "exporters") as running:
        pass

    assert running.process.returncode == 0, running.log()


def test_the_exporter_serves_health_dead_letters_by_reason_and_ingestion_in_progress(app: Celery) -> None:
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from tasks import deadletter
    from tasks.exporter import cluster_registry
    from tasks.health import history
    from tasks.settings import get_settings
    from tasks.upload import records

    def served() -> list[Any]:
        text = generate_latest(cluster_registry(app, 0.5)).decode()
        return [sample for family in text_string_to_metric_families(text) for sample in family.samples]

    before = served()
    for reason in ("time_limit", "time_limit", "worker_lost"):
        deadletter.record(
            task_id=uuid.uuid4().hex,
            task="testing.exporter",
            queue="default",
            args=[],
            kwargs={},
            reason=reason,
            exception=RuntimeError("gone"),
            retries=0,
            worker=None,
            dlq=get_settings().dlq,
            secrets=(),
        )
    document_id = f"exporter-{uuid.uuid4().hex[:8]}"
    records.update(document_id, status="processing", stage="embedding", progress=50)
    redis = get_redis()
    last = redis.get(history.LAST)
    report = {
        "status": "degraded",
        "checked_at": "2026-01-02T03:04:05+00:00",
        "checks": {"redis": {"status": "healthy"}, "workers": {"status": "degraded"}},
    }
    history.record(report, history.task_totals())
    try:
        after = served()
    finally:
        redis.lpop(history.HISTORY)
        if last is None:
            redis.delete(history.LAST)
        else:
            redis.set(history.LAST, last)
        records.update(document_id, status="failed", error=None)
        deadletter.purge(task="testing.exporter")

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert (
        delta("tasks_dead_letters_by_reason", reason="time_limit"),
        delta("tasks_dead_letters_by_reason", reason="worker_lost"),
    ) == (2, 1)
    assert delta("tasks_documents_processing", stage="embedding") == 1
    assert {s.labels["status"]: s.value for s in after if s.name == "tasks_health_status"} == {
        "healthy": 0,
        "degraded": 1,
        "unhealthy": 0,
    }
    assert value(after, "tasks_health_check_status", check="workers", status="degraded") == 1
    assert value(after, "tasks_health_check_status", check="workers", status="healthy") == 0
    assert value(after, "tasks_health_checked_timestamp_seconds") == 1767323045
