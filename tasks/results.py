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
from functools import cached_property
from typing import Any, Final

from celery import states
from celery.backends.redis import RedisBackend as CeleryRedisBackend
from celery.backends.redis import ResultConsumer as CeleryResultConsumer
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
        try:
            super().on_task_call(producer, task_id)
        except RuntimeError as error:
            raise ResultStoreUnavailable(f"the result store did not answer: {error.__cause__}") from error


def backend_url(url: str) -> str:
    """Celery's `result_backend` for a URL: Redis ones through this module's backend."""
    if url.startswith(("redis://", "rediss://")):
        return f"{__name__}:RedisBackend+{url}"
    return url
