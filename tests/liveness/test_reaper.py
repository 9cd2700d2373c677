"""The reaper against a real Redis broker: orphans come back after two passes, held tags never."""

from __future__ import annotations

import time
from pathlib import Path

from celery import Celery

from tasks.liveness import heartbeat, reaper
from tasks.settings import WorkerSettings
from tests.harness import services
from tests.harness.clients import client_app

SETTINGS = WorkerSettings(heartbeat_s=1, dead_after_s=2)


def take_without_ack(client: Celery) -> str:
    """Receive one message and vanish without acknowledging it, as a killed worker does."""
    with client.connection_for_write() as connection:
        channel = connection.channel()
        message = channel.basic_get("default", no_ack=False)
        assert message is not None
        tag = str(message.delivery_tag)
        # A killed worker never requeues what it holds on its way out.
        channel.qos._delivered.clear()
        channel.close()
    return tag


def waiting(client: Celery) -> int:
    from tasks.metrics.queue_lengths import queue_lengths

    return queue_lengths(client)["default"]


def unacked(client: Celery) -> set[str]:
    with client.connection_for_read() as connection:
        channel = connection.default_channel
        return {tag.decode() for tag in channel.client.hkeys(channel.unacked_key)}


def test_an_orphan_is_requeued_on_the_second_pass(private_broker: Celery) -> None:
    private_broker.send_task("testing.work", kwargs={"value": 1})
    tag = take_without_ack(private_broker)
    time.sleep(SETTINGS.dead_after_s + 0.1)

    first = reaper.reap(private_broker, "reaper@test", SETTINGS)
    time.sleep(SETTINGS.heartbeat_s + 0.1)
    second = reaper.reap(private_broker, "reaper@test", SETTINGS)

    assert (first, second) == (0, 1)
    assert waiting(private_broker) == 1
    assert tag not in unacked(private_broker)


def test_a_reaper_of_another_broker_leaves_the_suspects_alone(private_broker: Celery, tmp_path: Path) -> None:
    # Given a second broker whose reaper shares the platform's Redis
    other = services.RedisServer(tmp_path / "other-redis").start()
    try:
        private_broker.send_task("testing.work", kwargs={"value": 3})
        take_without_ack(private_broker)
        time.sleep(SETTINGS.dead_after_s + 0.1)

        # When its reaper passes between the two passes over the first broker
        first = reaper.reap(private_broker, "reaper@test", SETTINGS)
        assert reaper.reap(client_app(broker_url=other.url), "other@test", SETTINGS) == 0
        time.sleep(SETTINGS.heartbeat_s + 0.1)
        second = reaper.reap(private_broker, "reaper@test", SETTINGS)
    finally:
        other.stop()

    # Then the orphan seen by the first pass is still requeued by the second
    assert (first, second) == (0, 1)


def test_a_tag_held_by_a_live_worker_stays(private_broker: Celery) -> None:
    private_broker.send_task("testing.work", kwargs={"value": 2})
    tag = take_without_ack(private_broker)
    time.sleep(SETTINGS.dead_after_s + 0.1)

    for _ in range(3):
        heartbeat.beat("holder@test", SETTINGS, [tag])
        assert reaper.reap(private_broker, "reaper@test", SETTINGS) == 0
        time.sleep(SETTINGS.heartbeat_s + 0.1)

    assert waiting(private_broker) == 0
    assert tag in unacked(private_broker)
    heartbeat.stop("holder@test")


def test_a_reaper_whose_lock_expired_leaves_the_new_owners_lock() -> None:
    from tasks.liveness.keys import REAPER_LOCK
    from tasks.redis_client import get_redis

    client = get_redis()
    client.delete(REAPER_LOCK)
    slow = reaper.reaper_lock("slow@test", ttl_s=10)
    fast = reaper.reaper_lock("fast@test", ttl_s=10)
    assert slow.__enter__() is True
    # Given a slow pass that outlived its lock, which another reaper took meanwhile
    client.pexpire(REAPER_LOCK, 1)
    time.sleep(0.05)
    assert fast.__enter__() is True
    taken = client.get(REAPER_LOCK)

    # When the slow pass ends
    slow.__exit__(None, None, None)

    # Then the other's lock is still there, and only its owner releases it
    assert str(client.get(REAPER_LOCK)).startswith("fast@test#")
    assert client.get(REAPER_LOCK) == taken
    with reaper.reaper_lock("third@test", ttl_s=10) as third:
        assert third is False
    fast.__exit__(None, None, None)
    assert client.get(REAPER_LOCK) is None
