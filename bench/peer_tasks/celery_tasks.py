"""The benchmark's tasks on plain Celery: a Redis broker and every other setting Celery's default."""

from __future__ import annotations

import time

import redis
from celery import Celery

from bench.peer_tasks import COUNTER_KEY, IO_SLEEP_S, redis_url

app = Celery("bench", broker=redis_url())
counter = redis.Redis.from_url(redis_url())


@app.task(name="bench.noop")
def noop() -> None:
    counter.incr(COUNTER_KEY)


@app.task(name="bench.io")
def io() -> None:
    time.sleep(IO_SLEEP_S)
    counter.incr(COUNTER_KEY)


TASKS = {"noop": noop, "io": io}


def send(kind: str) -> None:
    TASKS[kind].delay()


def prequeue(kind: str, count: int) -> None:
    task = TASKS[kind]
    with app.producer_or_acquire() as producer:
        for _ in range(count):
            task.apply_async(producer=producer)
