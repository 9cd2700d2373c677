"""The benchmark's tasks on Huey: RedisHuey with its defaults (blocking pops, results kept)."""

from __future__ import annotations

import time

import redis
from huey import RedisHuey

from bench.peer_tasks import COUNTER_KEY, IO_SLEEP_S, redis_url

huey = RedisHuey("bench", url=redis_url())
counter = redis.Redis.from_url(redis_url())


@huey.task(name="bench.noop")
def noop() -> None:
    counter.incr(COUNTER_KEY)


@huey.task(name="bench.io")
def io() -> None:
    time.sleep(IO_SLEEP_S)
    counter.incr(COUNTER_KEY)


TASKS = {"noop": noop, "io": io}


def send(kind: str) -> None:
    TASKS[kind]()


def prequeue(kind: str, count: int) -> None:
    # Huey has no bulk enqueue; each call is one LPUSH of a pickled message.
    task = TASKS[kind]
    for _ in range(count):
        task()
