"""Test-only tasks, loaded by test workers through TASKS_WORKER__EXTRA_TASK_MODULES."""

from __future__ import annotations

import os
import sys
import time

from pydantic import BaseModel, ConfigDict
from redis.exceptions import ConnectionError as RedisConnectionError

from tasks.core.task import PlatformTask, platform_task
from tasks.errors import PermanentError, RetryableError
from tasks.redis_client import get_redis, key


def runs_key(task_id: str) -> str:
    """How many times a task id started running (counted by the tasks themselves)."""
    return key("testing", "runs", task_id)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: int = 0
    sleep_s: float = 0.0
    note: str = ""
    token: str | None = None


def _count_run(task: PlatformTask) -> None:
    get_redis().incr(runs_key(task.request.id))


@platform_task(name="testing.noop")
def noop(_: object) -> None:
    """Nothing: the unit of the hooks' overhead benchmark."""


@platform_task(name="testing.work", params=Params, bind=True)
def work(task: PlatformTask, params: Params) -> int:
    _count_run(task)
    if params.sleep_s:
        time.sleep(params.sleep_s)
    return params.value


@platform_task(name="testing.permanent_failure", params=Params)
def permanent_failure(params: Params) -> None:
    raise PermanentError(f"cannot do {params.value} {params.note}")


@platform_task(name="testing.transient_failure", params=Params, max_retries=2)
def transient_failure(params: Params) -> None:
    raise RetryableError(f"still busy with {params.value}")


@platform_task(name="testing.hard_limit", params=Params, time_limit=1)
def hard_limit(params: Params) -> None:
    # Sleeping in slices: a soft limit would interrupt one sleep; only the hard kill stops this.
    deadline = time.monotonic() + params.sleep_s
    while time.monotonic() < deadline:
        time.sleep(0.05)


@platform_task(name="testing.poison", params=Params, bind=True)
def poison(task: PlatformTask, _: Params) -> None:
    _count_run(task)
    os._exit(1)


@platform_task(name="testing.rate_limited", params=Params)
def rate_limited(params: Params) -> None:
    raise RetryableError("slow down", retry_after_s=params.sleep_s, counts_as_attempt=False)


class FlakyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    waits: int = 0
    failures: int = 0


@platform_task(name="testing.waits_then_flaky", params=FlakyParams, bind=True, max_retries=5)
def waits_then_flaky(task: PlatformTask, params: FlakyParams) -> dict[str, int]:
    """`waits` rate-limit waits, then `failures` transient errors, then success; reports its budget."""
    run = int(get_redis().incr(runs_key(task.request.id)))
    if run <= params.waits:
        raise RetryableError(f"rate limited ({run})", retry_after_s=0.0, counts_as_attempt=False)
    if run <= params.waits + params.failures:
        raise RetryableError(f"transient failure ({run - params.waits})")
    return {"runs": run, "retries": int(task.request.retries or 0), "counted": task.retries_counted}


@platform_task(name="testing.process_info")
def process_info(_: object) -> dict[str, object]:
    """The pool process that ran it, and whether it has imported the embedding model's libraries."""
    return {"pid": os.getpid(), "model_libraries": sorted(name for name in MODEL_LIBRARIES if name in sys.modules)}


#: What loading all-MiniLM-L6-v2 imports.
MODEL_LIBRARIES = ("torch", "sentence_transformers")


@platform_task(name="testing.platform_redis_away", params=FlakyParams, bind=True, max_retries=5)
def platform_redis_away(task: PlatformTask, params: FlakyParams) -> dict[str, int]:
    """Finds the platform's Redis away `failures` times, then succeeds."""
    run = int(get_redis().incr(runs_key(task.request.id)))
    if run <= params.failures:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    return {"runs": run, "counted": task.retries_counted}
