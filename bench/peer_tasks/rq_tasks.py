"""The benchmark's tasks on RQ: one queue, jobs run by SimpleWorkers (no fork per job)."""

from __future__ import annotations

import time

import redis
from rq import Queue

from bench.peer_tasks import COUNTER_KEY, IO_SLEEP_S, redis_url

QUEUE_NAME = "default"
counter = redis.Redis.from_url(redis_url())
queue = Queue(QUEUE_NAME, connection=redis.Redis.from_url(redis_url()))


def noop() -> None:
    counter.incr(COUNTER_KEY)


def io() -> None:
    time.sleep(IO_SLEEP_S)
    counter.incr(COUNTER_KEY)


TASKS = {"noop": noop, "io": io}


def send(kind: str) -> None:
    queue.enqueue(TASKS[kind])


def prequeue(kind: str, count: int) -> None:
    batch = 1000
    for start in range(0, count, batch):
        jobs = [Queue.prepare_data(TASKS[kind]) for _ in range(min(batch, count - start))]
        queue.enqueue_many(jobs)
