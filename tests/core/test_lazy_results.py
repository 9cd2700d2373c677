"""Results are subscribed when waited on, not at publish: nothing is missed either way."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.result import AsyncResult, ResultSet
from pydantic import AnyUrl

from tasks.results import ResultStoreUnavailable
from tasks.settings import PublishSettings
from tests.harness.clients import client_app
from tests.harness.services import RedisServer
from tests.harness.workers import WorkerProcess, wait_for

#: The publish bound of the outage test's client (TASKS_PUBLISH__RETRY_FOR_S).
SHORT_RETRY_S = 1.0


def stored(app: Celery, result: AsyncResult) -> bool:
    client = redis.Redis.from_url(app.conf.result_backend.split("+", 1)[1])
    try:
        return bool(client.exists(app.backend.get_key_for_task(result.id)))
    finally:
        client.close()


def subscribers(app: Celery, result: AsyncResult) -> int:
    client = redis.Redis.from_url(app.conf.result_backend.split("+", 1)[1])
    try:
        counts = client.pubsub_numsub(app.backend.get_key_for_task(result.id))
        return int(counts[0][1])
    finally:
        client.close()


def test_publishing_subscribes_to_nothing_and_get_still_returns(app: Celery, worker: WorkerProcess) -> None:
    result = app.send_task("testing.work", kwargs={"value": 7, "sleep_s": 0.5})

    assert subscribers(app, result) == 0
    assert result.get(timeout=30) == 7


def test_a_result_stored_before_get_is_found(app: Celery, worker: WorkerProcess) -> None:
    result = app.send_task("testing.work", kwargs={"value": 3})
    wait_for(lambda: stored(app, result), 30, what="the result stored")

    assert result.get(timeout=5) == 3


def test_a_task_finishing_while_get_waits_is_delivered(app: Celery, worker: WorkerProcess) -> None:
    result = app.send_task("testing.work", kwargs={"value": 5, "sleep_s": 1.5})

    assert result.get(timeout=30) == 5
    assert subscribers(app, result) == 0


def test_a_result_set_joins_members_stored_before_and_after_it_waits(app: Celery, worker: WorkerProcess) -> None:
    early = app.send_task("testing.work", kwargs={"value": 1})
    wait_for(lambda: stored(app, early), 30, what="the first result stored")
    late = app.send_task("testing.work", kwargs={"value": 2, "sleep_s": 1.0})

    assert ResultSet([early, late]).get(timeout=30) == [1, 2]


def test_then_fires_for_a_result_stored_before_it_was_called(app: Celery, worker: WorkerProcess) -> None:
    result = app.send_task("testing.work", kwargs={"value": 9})
    wait_for(lambda: stored(app, result), 30, what="the result stored")
    seen: list[int] = []

    result.then(lambda ready: seen.append(ready.result))
    # `then()` waiters are served by whatever drains the result channel (a `.get()`, an event loop).
    app.backend.result_consumer.drain_events(timeout=0.1)

    assert seen == [9]


def test_an_unreachable_result_store_fails_get_within_the_publish_bound(private_broker: Celery, tmp_path: Path) -> None:
    # Given a broker that answers and a result store that does not
    away = RedisServer(tmp_path / "away")
    client = client_app(
        redis_url=AnyUrl(private_broker.conf.broker_url),
        result_backend=AnyUrl(away.url),
        publish=PublishSettings(retry_for_s=SHORT_RETRY_S),
    )

    # When a task is sent, publishing needs only the broker
    result = client.send_task("testing.work", kwargs={})

    # Then waiting for its result fails within the bound, as one OperationalError
    started = time.monotonic()
    with pytest.raises(ResultStoreUnavailable):
        result.get(timeout=30)
    assert time.monotonic() - started <= SHORT_RETRY_S + 2
    client.close()


def test_a_result_store_lost_while_get_waits_fails_it_within_the_publish_bound(tmp_path: Path) -> None:
    # Given a task no worker takes, and a `.get()` waiting for it
    server = RedisServer(tmp_path / "redis").start()
    client = client_app(redis_url=AnyUrl(server.url), publish=PublishSettings(retry_for_s=SHORT_RETRY_S))
    result = client.send_task("testing.work", kwargs={})
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            result.get(timeout=60)
        except BaseException as error:
            errors.append(error)

    waiter = threading.Thread(target=wait)
    waiter.start()
    wait_for(lambda: subscribers(client, result) == 1, 10, what="the get subscribed")

    # When Redis goes away
    server.stop()
    started = time.monotonic()
    waiter.join(30)

    # Then the get fails within the bound, with the result store's error
    assert not waiter.is_alive()
    assert [type(error) for error in errors] == [ResultStoreUnavailable]
    assert time.monotonic() - started <= SHORT_RETRY_S + 3
    client.close()
