"""The benchmark's tasks on Dramatiq: its Redis broker with its default middleware."""

from __future__ import annotations

import time

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

from bench.peer_tasks import COUNTER_KEY, IO_SLEEP_S, redis_url

dramatiq.set_broker(RedisBroker(url=redis_url()))
counter = redis.Redis.from_url(redis_url())


@dramatiq.actor(actor_name="bench.noop")
def noop() -> None:
    counter.incr(COUNTER_KEY)


@dramatiq.actor(actor_name="bench.io")
def io() -> None:
    time.sleep(IO_SLEEP_S)
    counter.incr(COUNTER_KEY)


TASKS = {"noop": noop, "io": io}


def send(kind: str) -> None:
    TASKS[kind].send()


def prequeue(kind: str, count: int) -> None:
    # Dramatiq has no bulk enqueue: a group enqueues its messages one by one as well.
    actor = TASKS[kind]
    for _ in range(count):
        actor.send()
