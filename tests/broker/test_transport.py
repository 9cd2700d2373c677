"""The atomic fetch against a real Redis: a consumer killed at any point of a fetch loses nothing.

kombu's stock transport pops with BRPOP and records the message as unacknowledged
in a second round trip; these tests kill a real consumer process exactly there.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from queue import Empty
from typing import Any

import pytest
from celery import Celery
from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.messaging import Consumer

from tasks.broker import scripts
from tasks.broker.transport import INFLIGHT_REGISTRY, Transport, inflight_key
from tasks.liveness import reaper
from tasks.settings import WorkerSettings
from tests.harness.workers import wait_for

SETTINGS = WorkerSettings(heartbeat_s=1, dead_after_s=2)
ROOT = Path(__file__).parents[2]


def state(client: Celery) -> tuple[int, int, int]:
    """Messages waiting in `default`, recorded in `unacked`, parked in in-flight lists."""
    with client.connection_for_read() as connection:
        redis = connection.default_channel.client
        parked = sum(redis.llen(name) for name in redis.zrange(INFLIGHT_REGISTRY, 0, -1))
        return redis.llen("default"), redis.hlen("unacked"), parked


def killed_consumer(client: Celery, transport: str, point: str, send_first: bool) -> None:
    """Run a consumer that SIGKILLs itself at `point` of its fetch of one task; wait for its death."""
    if send_first:
        client.send_task("testing.work", kwargs={"value": 1})
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.broker.consumer_child", client.conf.broker_url, transport, point],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    if not send_first:
        time.sleep(1)  # the first TAKE found nothing: the consumer now waits in BLMOVE
        client.send_task("testing.work", kwargs={"value": 1})
    assert child.wait(20) == -9
    child.stdout.close()


def reap_twice(client: Celery) -> int:
    time.sleep(SETTINGS.dead_after_s + 0.5)
    first = reaper.reap(client, "reaper@test", SETTINGS)
    time.sleep(SETTINGS.heartbeat_s + 0.1)
    return first + reaper.reap(client, "reaper@test", SETTINGS)


def test_stock_kombu_loses_a_message_popped_but_not_yet_recorded(private_broker: Celery) -> None:
    killed_consumer(private_broker, "stock", "record", send_first=True)

    assert state(private_broker) == (0, 0, 0)
    assert reap_twice(private_broker) == 0
    assert state(private_broker) == (0, 0, 0)


def test_a_message_taken_is_recorded_in_the_same_step(private_broker: Celery) -> None:
    killed_consumer(private_broker, "platform", "record", send_first=True)

    assert state(private_broker) == (0, 1, 0)
    assert reap_twice(private_broker) == 1
    assert state(private_broker) == (1, 0, 0)


def test_a_message_parked_by_a_waiting_consumer_comes_back(private_broker: Celery) -> None:
    killed_consumer(private_broker, "platform", "settle", send_first=False)

    assert state(private_broker) == (0, 0, 1)
    assert reap_twice(private_broker) == 1
    assert state(private_broker) == (1, 0, 0)


def test_a_frozen_consumer_drops_what_the_reaper_took_back(private_broker: Celery) -> None:
    # Given a message parked in a consumer's in-flight list, registered long ago
    with private_broker.connection_for_write() as connection:
        redis = connection.default_channel.client
        parked = inflight_key("frozen", "default")
        redis.lpush(parked, b'{"properties": {"delivery_tag": "t1", "delivery_info": {}}}')
        redis.zadd(INFLIGHT_REGISTRY, {parked: time.time() - 60})

        # When the reaper requeues it and the consumer then wakes up to settle it
        assert reaper.reap(private_broker, "reaper@test", SETTINGS) == 1
        payload = redis.lindex("default", -1)
        settled = redis.eval(scripts.SETTLE, 3, parked, "unacked", "unacked_index", payload, time.time(), "1")

    # Then the consumer drops it: one copy, in the queue
    assert settled == 0
    assert state(private_broker) == (1, 0, 0)


def test_a_live_waiting_consumers_list_is_left_alone(private_broker: Celery) -> None:
    with private_broker.connection_for_write() as connection:
        redis = connection.default_channel.client
        parked = inflight_key("alive", "default")
        redis.lpush(parked, b"{}")
        redis.zadd(INFLIGHT_REGISTRY, {parked: time.time()})

        assert reaper.reap(private_broker, "reaper@test", SETTINGS) == 0
        assert redis.llen(parked) == 1


def test_no_ack_gets_are_not_recorded(private_broker: Celery) -> None:
    private_broker.send_task("testing.work", kwargs={"value": 1})
    private_broker.send_task("testing.work", kwargs={"value": 2})
    with private_broker.connection_for_write() as connection:
        channel = connection.channel()
        assert channel.basic_get("default", no_ack=True) is not None
        assert state(private_broker) == (1, 0, 0)
        message = channel.basic_get("default", no_ack=False)
        assert state(private_broker) == (0, 1, 0)
        message.ack()
        wait_for(lambda: state(private_broker) == (0, 0, 0), timeout_s=5, what="the acknowledgement")
        channel.close()


def test_an_acknowledgement_goes_down_a_connection_redis_does_not_answer(private_broker: Celery) -> None:
    for value in range(3):
        private_broker.send_task("testing.work", kwargs={"value": value})
    with private_broker.connection_for_write() as connection:
        channel = connection.channel()
        messages = [channel.basic_get("default") for _ in range(3)]
        for message in messages:
            message.ack()
        wait_for(lambda: state(private_broker) == (0, 0, 0), timeout_s=5, what="three acknowledgements")
        acks = channel.acks._connection
        assert acks is not None
        # Nothing to read, ever: a reply would sit in the socket and show Redis still answers.
        assert not acks.can_read(timeout=0.2)
        channel.close()
        assert channel.acks._connection is None


def test_no_acknowledgement_is_lost_when_redis_closes_their_connection(private_broker: Celery) -> None:
    for value in range(6):
        private_broker.send_task("testing.work", kwargs={"value": value})
    with private_broker.connection_for_write() as connection:
        channel = connection.channel()
        messages = [channel.basic_get("default") for _ in range(6)]
        messages[0].ack()
        wait_for(lambda: state(private_broker)[1] == 5, timeout_s=5, what="the first acknowledgement")
        with private_broker.connection_for_read() as other:
            killed = other.default_channel.client.client_kill_filter(_type="normal", skipme=True)
        assert killed >= 1
        for message in messages[1:]:
            message.ack()
            time.sleep(0.05)
        # A write to the closed socket would be lost: the closed connection is noticed first.
        wait_for(lambda: state(private_broker)[1] == 0, timeout_s=5, what="the later acknowledgements")
        channel.close()


def test_a_waiting_consumers_connection_stays_quiet_until_a_message_arrives(private_broker: Celery) -> None:
    # The event loop reads the fetch connection whenever it is readable, and that read
    # blocks until BLMOVE replies: any other reply queued ahead of it would make the
    # loop deaf to control commands for the whole wait.
    received: list[object] = []
    queue = Queue("default", Exchange("default", type="direct"), routing_key="default")
    with (
        Connection(
            private_broker.conf.broker_url, transport=Transport, transport_options={"fetch_wait_s": 5}
        ) as connection,
        Consumer(connection, queues=[queue], callbacks=[lambda body, message: received.append(body)]) as consumer,
    ):
        channel, poller = consumer.channel, connection.transport.cycle
        poller.on_poll_start()
        with pytest.raises(Empty):
            channel._brpop_read()  # TAKE found nothing

        poller.on_poll_start()  # BLMOVE now waits on `default`
        fetch = channel.client.connection
        with private_broker.connection_for_read() as other:
            registered = other.default_channel.client.zrange(INFLIGHT_REGISTRY, 0, -1)
        quiet = not fetch.can_read(timeout=0.3)
        private_broker.send_task("testing.work", kwargs={"value": 1})
        woken = fetch.can_read(timeout=5)
        delivered = channel._brpop_read()

    assert registered == [inflight_key(channel.consumer_id, "default").encode()]
    assert quiet
    assert woken
    assert delivered
    assert len(received) == 1


def test_a_fetch_takes_what_the_prefetch_limit_leaves_room_for(private_broker: Celery) -> None:
    for value in range(10):
        private_broker.send_task("testing.work", kwargs={"value": value})
    received: list[Any] = []
    queue = Queue("default", Exchange("default", type="direct"), routing_key="default")
    with (
        Connection(private_broker.conf.broker_url, transport=Transport) as connection,
        Consumer(connection, queues=[queue], callbacks=[lambda body, message: received.append(message)]) as consumer,
    ):
        consumer.qos(prefetch_count=4)
        channel, poller = consumer.channel, connection.transport.cycle
        poller.on_poll_start()
        assert channel._brpop_read()
        assert len(received) == 4
        assert state(private_broker) == (6, 4, 0)

        received[0].ack()
        # One free slot of four: no fetch until half of them are free.
        assert not channel.qos.can_consume()
        received[1].ack()
        assert channel.qos.can_consume()
        poller.on_poll_start()
        assert channel._brpop_read()
        assert [message.payload[1]["value"] for message in received] == list(range(6))
        wait_for(lambda: state(private_broker) == (4, 4, 0), timeout_s=5, what="two acknowledged, two more taken")
