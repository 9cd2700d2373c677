"""The Redis result backend, failing a call with a clear error when the result store is away.

Before publishing, a client subscribes to the new task's result. With Redis away, Celery's
own backend retries for the backend's retry policy (which a worker storing a result needs
long) and then raises a bare `RuntimeError` saying the application must be restarted; the
next subscription reconnects by itself, so that is not so. Here the subscription retries
no longer than the publish would (`task_publish_retry_policy`), then raises
`ResultStoreUnavailable`, a kombu `OperationalError` like the broker's own publish failure,
so one `except OperationalError` covers an outage.
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

    def _ensure_subscription(self, fun: Any, args: Any) -> Any:
        return self.backend.ensure(fun, args, **self.backend.app.conf.task_publish_retry_policy)

    def cancel_for(self, task_id: str) -> None:
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
        try:
            super().on_task_call(producer, task_id)
        except RuntimeError as error:
            raise ResultStoreUnavailable(f"the result store did not answer: {error.__cause__}") from error


def backend_url(url: str) -> str:
    """Celery's `result_backend` for a URL: Redis ones through this module's backend."""
    if url.startswith(("redis://", "rediss://")):
        return f"{__name__}:RedisBackend+{url}"
    return url
