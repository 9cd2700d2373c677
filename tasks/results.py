"""The Redis result backend: results subscribed when waited on, and a clear error when the store is away.

Celery's Redis backend subscribes to every new task's result channel before publishing it,
a command per `.delay()` and a subscription held until the result object is collected. Here
nothing is subscribed at publish: a result is subscribed when something first waits on it
(`.get()`, `.then()`, a `ResultSet`/`GroupResult`, which waits on each member), and its stored
state is read after that subscription, so a result stored before the wait is found and one
stored during it arrives on the channel. `.get()` reads it at once (Celery's own
`on_wait_for_pending`); for the others the read comes with the next drain of the channel.

With Redis away, Celery's subscription retries for the backend's retry policy (which a worker
storing a result needs long) and then raises a bare `RuntimeError` saying the application must
be restarted; the next subscription reconnects by itself, so that is not so. Here the
subscription retries no longer than a publish would (`task_publish_retry_policy`), then raises
`ResultStoreUnavailable`, a kombu `OperationalError` like the broker's own publish failure, so
one `except OperationalError` covers an outage; so does a `.get()` whose Redis goes away while it waits.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any, Final

from celery import states
from celery.backends.redis import RedisBackend as CeleryRedisBackend
from celery.backends.redis import ResultConsumer as CeleryResultConsumer
from celery.backends.redis import SentinelBackend as CelerySentinelBackend
from celery.exceptions import BackendStoreError
from kombu.exceptions import OperationalError
from kombu.utils.encoding import bytes_to_str
from redis.commands.core import Script

log = logging.getLogger(__name__)


#: Celery's store, in one round trip: a stored SUCCESS is never overwritten (a task run twice
#: after a lost worker keeps its first success); otherwise set with expiry, then announce.
STORE: Final = """
local current = redis.call('GET', KEYS[1])
if current then
    local ok, meta = pcall(cjson.decode, current)
    if ok and type(meta) == 'table' and meta['status'] == 'SUCCESS' then return 0 end
end
local expires = tonumber(ARGV[2])
if expires > 0 then redis.call('SETEX', KEYS[1], expires, ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
"""


class ResultStoreUnavailable(OperationalError):
    """The result store did not answer within the publish retry bound."""


class ResultConsumer(CeleryResultConsumer):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Celery's result consumer reconnects its subscriptions through this one callable.
        self._ensure = self._ensure_subscription
        #: Result keys subscribed whose stored state has not been read since.
        self._unread: set[bytes] = set()

    def _ensure_subscription(self, fun: Any, args: Any) -> Any:
        return self.backend.ensure(fun, args, **self.backend.app.conf.task_publish_retry_policy)

    def _consume_from(self, task_id: str) -> None:
        super()._consume_from(task_id)
        self._unread.add(self._get_key_for_task(task_id))

    def on_wait_for_pending(self, result: Any, **kwargs: Any) -> None:
        # Reads the stored state of `result` (or of every member of a set) after its subscription.
        super().on_wait_for_pending(result, **kwargs)
        members = getattr(result, "results", None) or [result]
        self._unread.difference_update(self._get_key_for_task(member.id) for member in members)

    def drain_events(self, timeout: float | None = None) -> None:
        self._read_unread()
        try:
            super().drain_events(timeout)
        except RuntimeError as error:
            # Redis went away while a `.get()` waited, and the reconnect gave up.
            if isinstance(error.__cause__, self._connection_errors):
                raise ResultStoreUnavailable(f"the result store did not answer: {error.__cause__}") from error
            raise

    def _read_unread(self) -> None:
        """Deliver what was stored before its subscription, for waiters that do not read (`then()`)."""
        keys = []
        while self._unread:
            try:
                keys.append(self._unread.pop())
            except KeyError:
                break
        if not keys:
            return
        try:
            metas = self.backend.client.mget(keys)
        except self._connection_errors:
            # Read once the connection is back: the drain reconnects.
            self._unread.update(keys)
            return
        for meta in metas:
            if meta:
                self.on_state_change(self._decode_result(meta), None)

    def cancel_for(self, task_id: str) -> None:
        self._unread.discard(self._get_key_for_task(task_id))
        # Called from AsyncResult.__del__ too, where an exception only becomes noise. With
        # Redis away there is nothing to unsubscribe: a new connection subscribes afresh.
        try:
            super().cancel_for(task_id)
        except RuntimeError:
            log.debug("result store away; the subscription to %s is dropped", task_id)


class RedisBackend(CeleryRedisBackend):  # type: ignore[misc]
    ResultConsumer = ResultConsumer

    @cached_property
    def _store_script(self) -> Script:
        script: Script = self.client.register_script(STORE)
        return script

    def _store_result(
        self, task_id: str, result: Any, state: str, traceback: Any = None, request: Any = None, **kwargs: Any
    ) -> Any:
        # Celery reads the earlier meta, then writes in a transaction: three round trips, the
        # read without a retry, so an outage there failed (and acknowledged) a task that had
        # succeeded. Here one script, waiting for Redis as Celery's write does.
        meta = self._get_result_meta(result=result, state=state, traceback=traceback, request=request)
        meta["task_id"] = bytes_to_str(task_id)
        value = self.encode(meta)
        if isinstance(value, str) and len(value) > self._MAX_STR_VALUE_SIZE:
            raise BackendStoreError("value too large for Redis backend", state=state, task_id=task_id)
        expires = self.failure_expires if state == states.FAILURE else self.expires
        key = self.get_key_for_task(task_id)
        self.ensure(self._store_script, ([key], [value, int(expires or 0)]))
        return result

    def on_task_call(self, producer: Any, task_id: str) -> None:
        """Publishing subscribes to nothing: waiting on a result does (`add_pending_result`)."""

    def add_pending_result(self, result: Any, weak: bool = False, start_drainer: bool = True) -> Any:
        try:
            return super().add_pending_result(result, weak=weak, start_drainer=start_drainer)
        except RuntimeError as error:
            raise ResultStoreUnavailable(f"the result store did not answer: {error.__cause__}") from error


class SentinelBackend(RedisBackend, CelerySentinelBackend):  # type: ignore[misc]
    """This module's store and subscriptions on the master that Celery's Sentinel backend finds."""


def backend_url(url: str) -> str:
    """Celery's `result_backend` for a URL: Redis ones (behind Sentinel or not) through this module's backends."""
    if url.startswith(("redis://", "rediss://")):
        return f"{__name__}:RedisBackend+{url}"
    if url.startswith("sentinel://"):
        return f"{__name__}:SentinelBackend+{url}"
    return url
