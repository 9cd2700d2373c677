"""The environment lock against the session's real Redis."""

from __future__ import annotations

import time
import uuid

import pytest

from tasks.infra.errors import LockBusy, LockLost
from tasks.infra.lock import EnvironmentLock, holder, lock_key
from tasks.redis_client import get_redis


@pytest.fixture
def environment() -> str:
    """A lock name of the test's own (lock keys are per environment)."""
    return f"lock-test-{uuid.uuid4().hex[:8]}"


def test_a_held_lock_refuses_a_second_run_naming_the_holder(environment: str) -> None:
    with EnvironmentLock(get_redis(), environment, ttl_s=10, owner="host-a/1"):
        second = EnvironmentLock(get_redis(), environment, ttl_s=10, owner="host-b/2")
        with pytest.raises(LockBusy, match=r"is locked by host-a/1#"):
            second.acquire()
    assert holder(get_redis(), environment) is None


def test_the_lock_is_extended_while_the_run_lives(environment: str) -> None:
    with EnvironmentLock(get_redis(), environment, ttl_s=1, owner="host-a/1") as lock:
        time.sleep(2.5)
        lock.check()
        assert holder(get_redis(), environment) == lock.token
        assert 0 < get_redis().pttl(lock_key(environment)) <= 1000


def test_only_the_owner_releases(environment: str) -> None:
    client = get_redis()
    lock = EnvironmentLock(client, environment, ttl_s=1, owner="host-a/1")
    lock.acquire()
    # Another run takes over after the lock was lost (as if it had expired).
    client.set(lock_key(environment), "host-b/2#token", px=10_000)
    time.sleep(0.6)

    with pytest.raises(LockLost, match="expired during the run"):
        lock.check()
    lock.release()

    assert holder(client, environment) == "host-b/2#token"
    client.delete(lock_key(environment))
