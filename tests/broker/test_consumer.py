"""The worker's consumer sends its task events in batches, and every one of them arrives."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery import Celery

from tests.harness.workers import WorkerProcess, wait_for

TASK_EVENTS = ("task-received", "task-started", "task-succeeded")
SAMPLE_TASKS = {"TASKS_WORKER__EXTRA_TASK_MODULES": "tests.hooks.sample_tasks"}


class Monitor:
    """Celery's event receiver in a thread, as Flower runs it; also counts the raw batches."""

    def __init__(self, app: Celery) -> None:
        self.app = app
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.batches = 0
        self._receiver: Any = None
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        ready = threading.Event()
        self._threads = [
            threading.Thread(target=self._capture, args=(ready,), daemon=True),
            threading.Thread(target=self._count_batches, daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        assert ready.wait(10)

    def _capture(self, ready: threading.Event) -> None:
        def on_event(event: dict[str, Any]) -> None:
            if event["type"] in TASK_EVENTS:
                self.seen[event["type"]].add(event["uuid"])

        with self.app.connection_for_read() as connection:
            self._receiver = self.app.events.Receiver(connection, handlers={"*": on_event})
            with self._receiver.consumer_context(wakeup=False) as (consuming, _, _):
                ready.set()
                while not self._receiver.should_stop:
                    try:
                        consuming.drain_events(timeout=0.2)
                    except TimeoutError:
                        continue

    def _count_batches(self) -> None:
        with self.app.connection_for_read() as connection:
            listener = connection.default_channel.client.pubsub()
            listener.psubscribe("*celeryev/task.multi")
            while self._receiver is None or not self._receiver.should_stop:
                message = listener.get_message(timeout=0.2)
                if message is not None and message["type"] == "pmessage":
                    self.batches += 1
            listener.close()

    def every_event_of(self, task_ids: set[str]) -> bool:
        return all(task_ids <= self.seen[kind] for kind in TASK_EVENTS)

    def stop(self) -> None:
        if self._receiver is not None:
            self._receiver.should_stop = True
        for thread in self._threads:
            thread.join(10)


@pytest.fixture
def monitor(app: Celery) -> Iterator[Monitor]:
    watching = Monitor(app)
    watching.start()
    yield watching
    watching.stop()


def test_every_task_event_arrives_and_they_travel_in_batches(
    app: Celery, start_worker: Callable[..., WorkerProcess], monitor: Monitor
) -> None:
    start_worker(env={**SAMPLE_TASKS, "TASKS_WORKER__EVENT_FLUSH_S": "0.5"}, queues=["default"], concurrency=2)
    results = [app.send_task("testing.noop") for _ in range(60)]
    for result in results:
        result.get(timeout=30)
    ids = {result.id for result in results}

    wait_for(lambda: monitor.every_event_of(ids), timeout_s=10, what="all 180 task events")
    # 180 events, sent by a consumer flushing at most every 0.5 s or per 24 events waiting.
    assert 0 < monitor.batches < 60


def test_events_still_buffered_at_shutdown_are_sent(
    app: Celery, start_worker: Callable[..., WorkerProcess], monitor: Monitor
) -> None:
    # A flush interval longer than the test: only the shutdown can send these events.
    worker = start_worker(env={**SAMPLE_TASKS, "TASKS_WORKER__EVENT_FLUSH_S": "2"}, queues=["default"], concurrency=1)
    result = app.send_task("testing.noop")
    result.get(timeout=30)
    worker.stop()

    wait_for(lambda: monitor.every_event_of({result.id}), timeout_s=10, what="the task's events after shutdown")
