"""One run per environment across all hosts: a Redis lock with a token, an expiry, and a keeper."""

from __future__ import annotations

import logging
import threading
import uuid
from types import TracebackType

import redis
from redis.exceptions import LockError, LockNotOwnedError

from tasks.infra.errors import LockBusy, LockLost
from tasks.redis_client import key

log = logging.getLogger(__name__)

#: The keeper extends the lock this many times per lifetime, so one missed beat is harmless.
EXTENSIONS_PER_TTL = 3


def lock_key(environment: str) -> str:
    return key("infra", "lock", environment)


def holder(client: redis.Redis, environment: str) -> str | None:
    """The token of the run holding the environment's lock (it names the owner), if any."""
    value = client.get(lock_key(environment))
    return None if value is None else str(value)


class EnvironmentLock:
    """Held for the life of a run; extended in the background; released only by its owner.

    A run whose lock was lost (expired while the process stalled, or taken over)
    learns it from `check()` before its next write and stops.
    """

    def __init__(self, client: redis.Redis, environment: str, *, ttl_s: float, owner: str) -> None:
        self.environment = environment
        self.ttl_s = ttl_s
        self.token = f"{owner}#{uuid.uuid4().hex}"
        self._lock = client.lock(lock_key(environment), timeout=ttl_s, blocking=False, thread_local=False)
        self._client = client
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._keeper = threading.Thread(target=self._keep, name=f"infra-lock-{environment}", daemon=True)

    def __enter__(self) -> EnvironmentLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock or raise LockBusy naming its holder; start extending it."""
        if not self._lock.acquire(token=self.token):
            current = holder(self._client, self.environment) or "another run"
            raise LockBusy(f"environment {self.environment!r} is locked by {current}; retrying later")
        self._keeper.start()

    def release(self) -> None:
        """Stop extending and release, only if the lock is still ours (redis-py compares tokens)."""
        self._stop.set()
        self._keeper.join()
        try:
            self._lock.release()
        except LockError:
            log.warning("lock of %s was no longer ours at release (expired or taken over)", self.environment)

    def check(self) -> None:
        """Raise LockLost if the lock is no longer ours."""
        if self._lost.is_set():
            raise LockLost(f"the lock of environment {self.environment!r} expired during the run")

    def _keep(self) -> None:
        interval_s = self.ttl_s / EXTENSIONS_PER_TTL
        while not self._stop.wait(interval_s):
            try:
                self._lock.reacquire()
            except LockNotOwnedError:
                self._lost.set()
                return
            except redis.RedisError:
                # A blip: the next beat tries again while the lock still has most of its lifetime.
                log.warning("could not extend the lock of %s", self.environment, exc_info=True)
