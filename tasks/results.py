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
from functools import partial
from typing import Any

from celery.backends.redis import RedisBackend as CeleryRedisBackend
from celery.backends.redis import ResultConsumer as CeleryResultConsumer
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


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

    def _store_result(self, *args: Any, **kwargs: Any) -> Any:
        # Storing reads the earlier meta first, and Celery reads it without a retry: an outage
        # there failed (and acknowledged) a task that had succeeded. The whole store waits for
        # Redis as the write does.
        return self.ensure(partial(super()._store_result, **kwargs), args)

    def on_task_call(self, producer: Any, task_id: str) -> None:
        """Publishing subscribes to nothing: waiting on a result does (`add_pending_result`)."""

    def add_pending_result(self, result: Any, weak: bool = False, start_drainer: bool = True) -> Any:
        try:
            return super().add_pending_result(result, weak=weak, start_drainer=start_drainer)
        except RuntimeError as error:
            raise ResultStoreUnavailable(f"the result store did not answer: {error.__cause__}") from error


def backend_url(url: str) -> str:
    """Celery's `result_backend` for a URL: Redis ones through this module's backend."""
    if url.startswith(("redis://", "rediss://")):
        return f"{__name__}:RedisBackend+{url}"
    return url
