"""One run under the environment's lock: its status record, and what a failure leaves in it."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis

from tasks.errors import RetryableError
from tasks.infra.errors import LockBusy, LockLost, LockWaitExpired, aws_errors
from tasks.infra.lock import EnvironmentLock, holder
from tasks.infra.probes import record_health
from tasks.infra.status import ExecutionResult, Status, StatusRecorder, publish_event
from tasks.settings import InfraSettings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunContext:
    """Who runs, with which clients, and where the run stands in its retry budget."""

    client: DynamoDBClient
    redis: redis.Redis
    settings: InfraSettings
    run_id: str
    owner: str
    retry_count: int = 0
    final_attempt: bool = True
    #: When the task's first attempt started (epoch seconds): waiting for the lock is bounded from there.
    first_attempt_at: float | None = None


Body = Callable[[StatusRecorder, EnvironmentLock], None]


def run_locked(
    context: RunContext,
    environment: str,
    body: Body,
    *,
    first_status: Status,
    failed_status: Status,
    dry_run: bool = False,
) -> ExecutionResult:
    """Run `body` holding the lock; record `retrying` or `failed_status` if it raises, then re-raise."""
    lock = EnvironmentLock(context.redis, environment, ttl_s=context.settings.lock_ttl_s, owner=context.owner)
    try:
        lock.acquire()
    except LockBusy as busy:
        raise _wait_for_lock(context, environment, busy) from None
    try:
        result = ExecutionResult(
            environment=environment,
            owner=context.owner,
            run_id=context.run_id,
            dry_run=dry_run,
            retry_count=context.retry_count,
        )
        recorder = StatusRecorder(context.redis, result, health=record_health, guard=lock.check)
        recorder.transition(first_status, f"lock acquired by {context.owner}")
        _run_body(context, recorder, lock, body, failed_status)
        return recorder.result
    finally:
        lock.release()


def _wait_for_lock(context: RunContext, environment: str, busy: LockBusy) -> Exception:
    """Retry later without spending the budget, until the lock has been busy for its whole lifetime."""
    ttl_s = context.settings.lock_ttl_s
    waited_s = time.time() - (context.first_attempt_at or time.time())
    if waited_s >= ttl_s:
        current = holder(context.redis, environment) or "another run"
        return LockWaitExpired(
            f"environment {environment!r} stayed locked by {current}: waited {waited_s:.0f} s, past the lock's "
            f"lifetime (TASKS_INFRA__LOCK_TTL_S={ttl_s}); giving up, run again once the other run has ended"
        )
    log.warning("%s", busy)
    publish_event(context.redis, environment, context.run_id, "retrying", str(busy))
    # Runs that found the lock held at the same moment would all come back at the same moment,
    # and all but one find it held again: each waits a random 50 to 100 % of the retry interval.
    retry_s = context.settings.lock_retry_s * random.uniform(0.5, 1.0)
    return LockBusy(str(busy), retry_after_s=min(retry_s, ttl_s - waited_s))


def _run_body(
    context: RunContext, recorder: StatusRecorder, lock: EnvironmentLock, body: Body, failed_status: Status
) -> None:
    try:
        with aws_errors():
            body(recorder, lock)
    except RetryableError as error:
        # A run that lost its lock leaves the record to the run that holds it now.
        with suppress(LockLost):
            if context.final_attempt:
                _fail(recorder, failed_status, f"retries exhausted: {error}", "see the dead-letter store; re-run")
            else:
                recorder.transition(
                    "retrying",
                    recorder.result.phase,
                    error_message=str(error),
                    retry_count=context.retry_count + 1,
                    next_action="retried automatically with backoff",
                )
        raise
    except Exception as error:
        with suppress(LockLost):
            _fail(recorder, failed_status, f"{type(error).__name__}: {error}", "fix the cause, then re-run")
        raise


def _fail(recorder: StatusRecorder, status: Status, message: str, next_action: str) -> None:
    recorder.transition(status, recorder.result.phase, success=False, error_message=message, next_action=next_action)
