"""Recording through the per-process buffer and reading back with `snapshot()`, on real Redis."""

from __future__ import annotations

import time
import uuid

import pytest
from celery import Celery

from tasks.metrics import keys, snapshot
from tasks.metrics.buffer import MetricsBuffer
from tasks.metrics.queue_lengths import queue_lengths
from tasks.metrics.recorder import Recorder
from tasks.metrics.snapshot import cumulative, percentile
from tasks.settings import get_settings


@pytest.fixture
def name() -> str:
    return f"testing.metrics_{uuid.uuid4().hex[:8]}"


def test_recorded_events_appear_in_the_snapshot_after_a_flush(app: Celery, name: str) -> None:
    worker = f"w-{name}@host"
    recorder = Recorder(get_settings().metrics)
    recorder.worker_started(worker)
    recorder.count(name, "received")
    recorder.count(name, "received")
    recorder.started(name, queue_wait_s=0.02)
    recorder.started(name, queue_wait_s=7.0)
    recorder.finished(name, "succeeded", 0.3, worker)
    recorder.finished(name, "failed", 2.0, worker)

    assert name not in snapshot(app)["tasks"], "nothing is written before the flush"
    recorder.flush()
    view = snapshot(app)

    task = view["tasks"][name]
    assert {event: task[event] for event in ("received", "started", "succeeded", "failed", "retried")} == {
        "received": 2,
        "started": 2,
        "succeeded": 1,
        "failed": 1,
        "retried": 0,
    }
    assert task["runtime"]["count"] == 2
    assert task["runtime"]["sum_s"] == pytest.approx(2.3)
    assert task["runtime"]["avg_s"] == pytest.approx(1.15)
    assert task["queue_wait"]["buckets"]["0.025"] == 1
    assert task["queue_wait"]["buckets"]["10.0"] == 2
    assert task["queue_wait"]["p95_s"] == 10.0
    stats = view["workers"][worker]
    assert (stats["processed"], stats["succeeded"], stats["failed"]) == (2, 1, 1)
    assert stats["avg_process_s"] == pytest.approx(1.15)
    assert stats["running"] is False and stats["last_job_at"] is not None


def test_a_buffer_flushes_on_its_own(name: str) -> None:
    from tasks.redis_client import get_redis
    from tests.harness.workers import wait_for

    buffer = MetricsBuffer(interval_s=0.1)
    buffer.incr(keys.COUNTS, keys.field(name, "received"), 3)

    wait_for(lambda: get_redis().hget(keys.COUNTS, keys.field(name, "received")) == "3", 5, what="a timed flush")
    buffer.close()


def test_cumulative_buckets_and_percentiles() -> None:
    buckets = cumulative({"0.01": 2, "1.0": 1, "+Inf": 1})

    assert buckets["0.005"] == 0
    assert buckets["0.01"] == 2
    assert buckets["1.0"] == 3
    assert buckets["+Inf"] == 4
    assert percentile(buckets, 4, 0.5) == 0.01
    assert percentile(buckets, 4, 0.75) == 1.0
    assert percentile(buckets, 4, 0.95) is None
    assert percentile(buckets, 0, 0.5) is None


def test_queue_lengths_count_waiting_messages(private_broker: Celery) -> None:
    for _ in range(3):
        private_broker.send_task("infra.length_probe", kwargs={})
    private_broker.send_task("testing.length_probe", kwargs={})

    lengths = queue_lengths(private_broker)

    assert lengths == {"default": 1, "uploads": 0, "pr": 0, "pr.priority": 0, "infra": 3, "scheduled": 0}


def test_the_snapshots_dead_letters_are_the_stores_after_trim_and_purge(app: Celery, name: str) -> None:
    from tasks import deadletter
    from tasks.deadletter.store import INDEX
    from tasks.redis_client import get_redis

    dlq = get_settings().dlq
    entries = [
        deadletter.record(
            task_id=f"{name}-{n}",
            task=name,
            queue="default",
            args=[],
            kwargs={},
            reason="non_retryable",
            exception=ValueError("bad"),
            retries=0,
            worker=None,
            dlq=dlq,
            secrets=(),
        )
        for n in range(3)
    ]

    def agree() -> int:
        shown = snapshot(app)["tasks"][name]["dead_letters"]
        assert shown == deadletter.counts_by_task()[name] == len(deadletter.list_entries(task=name))
        return int(shown)

    assert agree() == 3
    past_retention = time.time() - (dlq.retention_days + 1) * 86_400
    get_redis().zadd(INDEX, {entries[0]["id"]: past_retention})
    deadletter.trim(dlq)
    assert agree() == 2
    deadletter.purge(task=name)
    assert agree() == 0
