"""The result store's one-round-trip write, against the session's real Redis."""

from __future__ import annotations

import json
import uuid

import pytest
import redis
from celery import Celery, states

from tasks.results import RedisBackend


@pytest.fixture
def backend(app: Celery) -> RedisBackend:
    store: RedisBackend = app.backend
    assert isinstance(store, RedisBackend)
    return store


def stored(backend: RedisBackend, task_id: str) -> dict[str, object]:
    raw = backend.client.get(backend.get_key_for_task(task_id))
    assert raw is not None
    meta: dict[str, object] = json.loads(raw)
    return meta


def test_a_result_is_stored_with_its_expiry_and_announced(backend: RedisBackend) -> None:
    task_id = uuid.uuid4().hex
    key = backend.get_key_for_task(task_id)
    listener = backend.client.pubsub()
    listener.subscribe(key)
    assert listener.get_message(timeout=2)["type"] == "subscribe"

    backend.store_result(task_id, {"n": 1}, states.SUCCESS)

    meta = stored(backend, task_id)
    assert (meta["status"], meta["result"], meta["task_id"]) == ("SUCCESS", {"n": 1}, task_id)
    assert 0 < backend.client.ttl(key) <= backend.expires
    announced = listener.get_message(timeout=2)
    assert announced is not None and json.loads(announced["data"])["status"] == "SUCCESS"
    assert backend.get_task_meta(task_id)["result"] == {"n": 1}
    listener.close()


def test_a_success_is_never_overwritten_by_a_later_state(backend: RedisBackend) -> None:
    task_id = uuid.uuid4().hex
    backend.store_result(task_id, 1, states.SUCCESS)
    backend.store_result(task_id, None, states.STARTED)
    backend.mark_as_failure(task_id, RuntimeError("second run after a lost worker"))

    meta = stored(backend, task_id)
    assert (meta["status"], meta["result"]) == ("SUCCESS", 1)


def test_states_before_success_are_replaced(backend: RedisBackend) -> None:
    task_id = uuid.uuid4().hex
    backend.store_result(task_id, None, states.STARTED)
    assert stored(backend, task_id)["status"] == "STARTED"
    backend.store_result(task_id, {"stage": "embed"}, "PROGRESS")
    assert stored(backend, task_id)["status"] == "PROGRESS"
    backend.store_result(task_id, 2, states.SUCCESS)
    assert stored(backend, task_id)["result"] == 2


def test_a_value_that_is_not_json_is_overwritten_not_trusted(backend: RedisBackend) -> None:
    task_id = uuid.uuid4().hex
    backend.client.set(backend.get_key_for_task(task_id), b"\x80not json SUCCESS")
    backend.store_result(task_id, 3, states.SUCCESS)
    assert stored(backend, task_id)["result"] == 3


def test_a_result_waits_for_redis_through_the_retry_policy(backend: RedisBackend) -> None:
    calls: list[int] = []
    script = backend._store_script
    original = script.__call__

    def flaky(keys: list[str], args: list[str | int]) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise redis.ConnectionError("Redis restarting")
        return original(keys, args)

    task_id = uuid.uuid4().hex
    backend.__dict__["_store_script"] = flaky
    try:
        backend.store_result(task_id, 4, states.SUCCESS)
    finally:
        backend.__dict__["_store_script"] = script
    assert len(calls) == 2
    assert stored(backend, task_id)["result"] == 4
