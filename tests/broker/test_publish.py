"""`.delay()` in one round trip, and published again when that round trip fails."""

from __future__ import annotations

import json
import logging
import socket
from typing import Any

import pytest
import redis
from celery import Celery
from kombu.exceptions import BatchPublishError
from kombu.transport.redis import PublishBatch


def queued(app: Celery) -> list[dict[str, Any]]:
    client = redis.Redis.from_url(app.conf.broker_url)
    try:
        return [json.loads(raw) for raw in client.lrange("default", 0, -1)]
    finally:
        client.close()


def test_a_message_and_its_sent_event_leave_in_one_write(
    private_broker: Celery, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_broker.send_task("testing.noop")  # connections, queue declaration
    writes: list[int] = []
    original = socket.socket.sendall

    def counting(sock: socket.socket, data: Any, *args: Any) -> Any:
        writes.append(len(data))
        return original(sock, data, *args)

    monkeypatch.setattr(socket.socket, "sendall", counting)
    result = private_broker.send_task("testing.noop")
    monkeypatch.undo()

    assert len(writes) == 1
    assert queued(private_broker)[0]["headers"]["id"] == result.id  # LPUSH: the newest first


def test_a_failed_round_trip_is_published_again_with_the_same_id(
    private_broker: Celery, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    failures: list[int] = []
    flush = PublishBatch.flush

    def failing_once(batch: PublishBatch) -> None:
        if not failures:
            failures.append(1)
            batch.discard()
            raise BatchPublishError("Redis publish batch failed; delivery is uncertain") from ConnectionError("reset")
        flush(batch)

    monkeypatch.setattr(PublishBatch, "flush", failing_once)
    with caplog.at_level(logging.WARNING, logger="tasks.broker.publish"):
        result = private_broker.send_task("testing.noop")

    assert failures == [1]
    assert [message["headers"]["id"] for message in queued(private_broker)] == [result.id]
    assert "publishing it again" in caplog.text
