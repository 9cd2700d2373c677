"""A run behind a busy lock waits without spending its retry budget, bounded by the lock's lifetime."""

from __future__ import annotations

import time
from collections.abc import Callable

from tasks.infra.lock import EnvironmentLock
from tasks.redis_client import get_redis
from tests.harness.workers import WorkerProcess, wait_for
from tests.infra.conftest import events


def busy_retries(run_id: str) -> int:
    return sum(1 for event in events("test", run_id) if "is locked by" in event["phase"])


def test_a_run_waits_for_a_long_backfill_past_its_retry_budget(
    infra_worker: Callable[..., WorkerProcess],
) -> None:
    from tasks.infra.tasks import ensure_tables

    # Given a long run holding the lock, and a worker with a budget of one retry
    infra_worker(TASKS_RETRY__MAX_RETRIES="1", TASKS_INFRA__LOCK_RETRY_S="0.2", TASKS_INFRA__LOCK_TTL_S="120")
    backfill = EnvironmentLock(get_redis(), "test", ttl_s=30, owner="backfill/1")
    backfill.acquire()
    try:
        # When a scheduled run finds the lock busy again and again
        pending = ensure_tables.delay(environment="test")
        wait_for(lambda: busy_retries(pending.id) >= 4, 60, what="four busy-lock retries")
    finally:
        backfill.release()

    # Then it runs once the lock is free, its budget untouched
    result = pending.get(timeout=60)
    assert (result["success"], result["status"], result["retry_count"]) == (True, "completed", 0)


def test_a_lock_busy_for_longer_than_its_lifetime_fails_with_the_reason(
    infra_worker: Callable[..., WorkerProcess],
) -> None:
    from tasks import deadletter
    from tasks.infra.tasks import ensure_tables

    infra_worker(TASKS_RETRY__MAX_RETRIES="50", TASKS_INFRA__LOCK_RETRY_S="0.2", TASKS_INFRA__LOCK_TTL_S="2")
    held = EnvironmentLock(get_redis(), "test", ttl_s=30, owner="stuck/1")
    held.acquire()
    try:
        started = time.monotonic()
        task_id = ensure_tables.delay(environment="test").id
        wait_for(lambda: deadletter.find_by_task_id(task_id) is not None, 60, what="the dead letter")
        elapsed_s = time.monotonic() - started
    finally:
        held.release()

    entry = deadletter.find_by_task_id(task_id)
    assert entry is not None
    assert (entry["reason"], entry["exception_type"], entry["retries"]) == ("non_retryable", "LockWaitExpired", 0)
    assert "stayed locked by stuck/1#" in entry["exception_message"]
    assert "TASKS_INFRA__LOCK_TTL_S=2" in entry["exception_message"]
    assert elapsed_s >= 2
    assert busy_retries(task_id) >= 3
