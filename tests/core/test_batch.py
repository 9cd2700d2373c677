"""`tasks.enqueue_many`: many tasks per pipeline, published as `.delay()` publishes them."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery

from tests.harness.services import RedisServer
from tests.harness.workers import WorkerProcess
from tests.reliability.platform import client_app, close_client

#: The publish bound of the outage test's client (TASKS_PUBLISH__RETRY_FOR_S).
SHORT_RETRY_S = 1.0


def queued(app: Celery, queue: str = "default") -> list[dict[str, Any]]:
    """The messages waiting in a queue of `app`'s broker, oldest first."""
    client = redis.Redis.from_url(app.conf.broker_url)
    try:
        return [json.loads(raw) for raw in reversed(client.lrange(queue, 0, -1))]
    finally:
        client.close()


@contextmanager
def sent_events(app: Celery) -> Iterator[list[dict[str, Any]]]:
    """The `task-sent` events published on `app`'s broker meanwhile (what Flower reads)."""
    client = redis.Redis.from_url(app.conf.broker_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe("*celeryev/task.sent*")
    events: list[dict[str, Any]] = []
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            message = pubsub.get_message(timeout=0.1)
            if message is not None:
                envelope = json.loads(message["data"])
                events.append(json.loads(base64.b64decode(envelope["body"])))

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(0.2)
    try:
        yield events
    finally:
        stop.set()
        listener.join(5)
        pubsub.close()
        client.close()


def wait_for_events(events: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while len(events) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return events


def test_a_batch_runs_on_a_real_worker_and_every_result_is_readable(app: Celery, worker: WorkerProcess) -> None:
    import tasks

    signatures = [app.signature("testing.work", kwargs={"value": n}) for n in range(250)]

    results = tasks.enqueue_many(signatures, chunk_size=100)

    assert [result.get(timeout=60) for result in results] == list(range(250))


def test_batched_messages_carry_redacted_reprs(private_broker: Celery) -> None:
    import tasks

    signatures = [
        private_broker.signature("testing.work", kwargs={"value": n, "token": "ghp_batched_secret"}) for n in range(3)
    ]

    results = tasks.enqueue_many(signatures)

    messages = queued(private_broker)
    assert [message["headers"]["id"] for message in messages] == [result.id for result in results]
    for message in messages:
        assert "ghp_batched_secret" not in message["headers"]["kwargsrepr"]
        assert "'token': '***'" in message["headers"]["kwargsrepr"]


def test_the_platform_apps_batched_sent_events_reach_flower_redacted(app: Celery) -> None:
    import tasks

    signatures = [app.signature("testing.work", kwargs={"value": n, "token": "ghp_batched_secret"}) for n in range(3)]

    with sent_events(app) as events:
        results = tasks.enqueue_many(signatures)
        wait_for_events(events, 3)

    assert sorted(event["uuid"] for event in events) == sorted(result.id for result in results)
    assert all("'token': '***'" in event["kwargs"] for event in events)
    assert all("ghp_batched_secret" not in event["kwargs"] for event in events)


def test_batched_messages_are_routed_as_delay_routes_them(private_broker: Celery) -> None:
    import tasks

    tasks.enqueue_many([private_broker.signature("health.check_dependencies")])

    assert queued(private_broker, "default") == []
    assert [message["headers"]["task"] for message in queued(private_broker, "scheduled")] == [
        "health.check_dependencies"
    ]


def test_a_signature_that_cannot_be_published_is_named_and_its_chunk_is_not_sent(private_broker: Celery) -> None:
    import tasks
    from tasks.core.batch import InvalidSignature

    good = [private_broker.signature("testing.work", kwargs={"value": n}) for n in range(4)]
    bad = private_broker.signature("testing.work", kwargs={"value": object()})

    with pytest.raises(InvalidSignature, match=r"signature 4 \(testing.work\) could not be published") as raised:
        tasks.enqueue_many([*good, bad, *good], chunk_size=3)

    # The first chunk went out whole; nothing of the failing one (3 to 5) or after it did.
    assert raised.value.index == 4
    queued_ids = [message["headers"]["id"] for message in queued(private_broker)]
    assert [result.id for result in raised.value.sent] == queued_ids
    assert len(raised.value.sent) == 3


def test_an_item_that_is_not_a_signature_is_refused_before_anything_is_sent(private_broker: Celery) -> None:
    import tasks
    from tasks.core.batch import InvalidSignature

    with pytest.raises(InvalidSignature, match="item 1 is not a Celery signature: str"):
        tasks.enqueue_many([private_broker.signature("testing.work"), "testing.work"])

    assert queued(private_broker) == []


def test_a_redis_outage_fails_the_batch_within_the_publish_bound(tmp_path: Path) -> None:
    from kombu.exceptions import OperationalError

    import tasks
    from tasks.core.batch import EnqueueError

    server = RedisServer(tmp_path / "redis").start()
    client = client_app(server.url, retry_for_s=SHORT_RETRY_S)
    try:
        # Given a client that has published before (its connection and producer pooled)
        tasks.enqueue_many([client.signature("testing.work")])
        signatures = [client.signature("testing.work", kwargs={"value": n}) for n in range(10)]

        # When Redis goes away
        server.stop()
        started = time.monotonic()
        with pytest.raises(EnqueueError) as raised:
            tasks.enqueue_many(signatures)
        failed_after_s = time.monotonic() - started

        # Then the batch fails within the bound, as one OperationalError, saying what was not sent
        assert isinstance(raised.value, OperationalError)
        assert "publish retry bound" in str(raised.value)
        assert raised.value.sent == [] and raised.value.uncertain == []
        assert raised.value.unsent == signatures
        assert failed_after_s <= SHORT_RETRY_S + 2

        # and once Redis is back, the same client publishes again
        server.start()
        assert len(tasks.enqueue_many(signatures)) == 10
        assert len(queued(client)) == 10
    finally:
        close_client(client)
        server.stop()


def test_redis_lost_before_a_pipeline_runs_makes_its_chunk_uncertain(tmp_path: Path) -> None:
    from celery import signals

    import tasks
    from tasks.core.batch import EnqueueError

    server = RedisServer(tmp_path / "redis").start()
    client = client_app(server.url, retry_for_s=SHORT_RETRY_S)
    signatures = [client.signature("testing.work", kwargs={"value": n}) for n in range(6)]
    published: list[str] = []

    def stop_redis_at_the_fifth(headers: dict[str, Any], **_: Any) -> None:
        published.append(headers["id"])
        if len(published) == 5:
            server.stop()

    # Given Redis that goes away while the second chunk is buffered, before its pipeline runs
    signals.before_task_publish.connect(stop_redis_at_the_fifth, weak=False)
    try:
        with pytest.raises(EnqueueError, match="some of them may be queued") as raised:
            tasks.enqueue_many(signatures, chunk_size=3)
    finally:
        signals.before_task_publish.disconnect(stop_redis_at_the_fifth)
        close_client(client)
        server.stop()

    # Then the first chunk is sent, the second uncertain, and nothing is left unsent
    assert [result.id for result in raised.value.sent] == published[:3]
    assert [result.id for result in raised.value.uncertain] == published[3:]
    assert raised.value.unsent == []
