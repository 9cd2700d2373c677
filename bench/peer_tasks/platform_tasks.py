"""The benchmark's tasks on the platform, loaded through TASKS_WORKER__EXTRA_TASK_MODULES."""

from __future__ import annotations

import time

from bench.peer_tasks import COUNTER_KEY, IO_SLEEP_S
from tasks.core.task import PlatformTask, platform_task
from tasks.redis_client import get_redis


@platform_task(name="bench.noop")
def noop(_: object) -> None:
    get_redis().incr(COUNTER_KEY)


@platform_task(name="bench.io")
def io(_: object) -> None:
    time.sleep(IO_SLEEP_S)
    get_redis().incr(COUNTER_KEY)


TASKS: dict[str, PlatformTask] = {"noop": noop, "io": io}


def send(kind: str) -> None:
    TASKS[kind].delay()


def prequeue(kind: str, count: int) -> None:
    task = TASKS[kind]
    # One producer and connection for the whole batch instead of one acquired per call.
    with task.app.producer_or_acquire() as producer:
        for _ in range(count):
            task.apply_async(producer=producer)
