"""Nothing lost when a worker dies: its messages come back fast; a live worker's never do."""

from __future__ import annotations

import time
from collections.abc import Callable

from celery import Celery

from tests.harness.clients import client_app
from tests.harness.workers import WorkerProcess, wait_for

#: Tasks in flight when the worker is killed.
TASKS = 300
#: Bound from the new worker being ready to every task completed.
RECOVERY_S = 120


def runs(task_ids: list[str]) -> list[int]:
    from tasks.redis_client import get_redis
    from tests.hooks.sample_tasks import runs_key

    values = get_redis().mget([runs_key(task_id) for task_id in task_ids])
    return [int(value or 0) for value in values]


def kill_mid_batch_and_recover(client: Celery, start: Callable[[], WorkerProcess]) -> tuple[float, list[int]]:
    """Send TASKS tasks, SIGKILL the worker midway, start another; seconds to recover and runs per task."""
    first = start()
    results = [client.send_task("testing.work", kwargs={"value": n, "sleep_s": 0.02}) for n in range(TASKS)]
    ids = [result.id for result in results]
    wait_for(lambda: sum(1 for count in runs(ids) if count) >= 20, 60, what="some tasks ran before the kill")

    first.kill()
    assert sum(1 for count in runs(ids) if count) < TASKS, "every task finished before the kill"
    start()
    ready = time.monotonic()
    for n, result in enumerate(results):
        assert result.get(timeout=max(RECOVERY_S - (time.monotonic() - ready), 1)) == n
    return time.monotonic() - ready, runs(ids)


def test_redis_dead_workers_messages_come_back(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    elapsed_s, counts = kill_mid_batch_and_recover(app, sample_worker)

    assert elapsed_s < RECOVERY_S
    assert min(counts) >= 1
    # At-least-once: only the few messages held at the kill (concurrency x prefetch) may run twice.
    assert sum(counts) - TASKS <= 4


def test_rabbitmq_dead_workers_messages_come_back(amqp_url: str, sample_worker: Callable[..., WorkerProcess]) -> None:
    client = client_app(broker_url=amqp_url)

    elapsed_s, counts = kill_mid_batch_and_recover(
        client, lambda: sample_worker(client=client, env={"TASKS_BROKER_URL": amqp_url})
    )

    assert elapsed_s < RECOVERY_S
    assert min(counts) >= 1
    assert sum(counts) - TASKS <= 4


def test_live_workers_long_task_is_never_delivered_twice(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    # Given two workers whose heartbeats declare a worker dead after 3 s
    sample_worker()
    sample_worker()

    # When a task runs four times longer than that
    result = app.send_task("testing.work", kwargs={"value": 5, "sleep_s": 12})

    # Then it completes once: the reapers never requeue a message a live worker holds
    assert result.get(timeout=60) == 5
    time.sleep(3)
    assert runs([result.id]) == [1]
