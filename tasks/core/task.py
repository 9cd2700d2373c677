"""The base of every platform task: validated keyword arguments and one retry policy."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from celery import Task, current_app
from celery.exceptions import Reject
from kombu.exceptions import OperationalError
from pydantic import BaseModel, ConfigDict, ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tasks.core.backoff import backoff_s, broker_safe_cap_s
from tasks.core.budget import counted_retries, retry_headers
from tasks.core.surrogates import surrogate_path
from tasks.errors import InvalidArguments, RetryableError
from tasks.scrub import scrub_exception
from tasks.settings import Settings

ParamsT = TypeVar("ParamsT", bound=BaseModel)

#: The platform's own Redis away (an outage, a restart): transient for every task.
PLATFORM_STATE_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)


class NoParams(BaseModel):
    """Arguments of a task that takes none."""

    model_config = ConfigDict(extra="forbid")


class PlatformTask(Task):  # type: ignore[misc]  # celery ships no type hints
    """Validates keyword arguments into `params`, then runs; retries what is retryable.

    Retryable errors are `RetryableError`, the platform Redis being away and the types in `retry_on`; anything else
    fails the task at once. The budget counts only retries that count (see
    `tasks.core.budget`); once spent, the last error is re-raised, which the
    dead-letter hook records as `retries_exhausted`.
    """

    params: ClassVar[type[BaseModel]] = NoParams
    retry_on: ClassVar[tuple[type[BaseException], ...]] = ()
    pass_task: ClassVar[bool] = False
    #: Arguments are checked by `params` in the worker, where a bad call can be dead-lettered.
    typing = False
    #: None: the budget is TASKS_RETRY__MAX_RETRIES unless a task sets its own (Celery's default is 3).
    max_retries: int | None = None
    #: Hard time limits, lost workers and poison messages are handled in the worker's main process.
    Request = "tasks.core.request:PlatformRequest"

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        # `self` positional-only: a keyword named "self" is one more bad argument, not a TypeError.
        try:
            return self._validated_run(args, kwargs)
        except BaseException as error:
            # Before Celery stores, sends or logs it: the result, Flower, the log and the dead letter.
            scrub_exception(error, self.settings.secrets())
            raise

    def _validated_run(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if args:
            raise InvalidArguments(f"{self.name} takes keyword arguments only, got {len(args)} positional")
        bad_text = surrogate_path(kwargs)
        if bad_text is not None:
            raise InvalidArguments(f"invalid arguments for {self.name}: {bad_text}: text is not valid Unicode")
        try:
            # The settings are the validators' context: limits and allow-lists come from them.
            params = self.params.model_validate(kwargs, context=self.settings)
        except ValidationError as error:
            raise InvalidArguments.from_validation(self.name, error) from None
        try:
            return self.run(self, params) if self.pass_task else self.run(params)
        except RetryableError as error:
            scrub_exception(error, self.settings.secrets())
            if error.counts_as_attempt and self.budget_spent:
                raise
            raise self._retry_after(error, error.retry_after_s, error.counts_as_attempt) from error
        except (*PLATFORM_STATE_ERRORS, *self.retry_on) as error:
            scrub_exception(error, self.settings.secrets())
            if self.budget_spent:
                raise
            raise self._retry_after(error, None, True) from error

    @property
    def settings(self) -> Settings:
        """The settings the app was built with (tasks.application), read once per process."""
        settings: Settings = self.app.settings
        return settings

    @property
    def budget(self) -> int:
        return self.max_retries if self.max_retries is not None else self.settings.retry.max_retries

    @property
    def retries_counted(self) -> int:
        """Retries of this request that spent the budget (rate-limit waits excluded)."""
        return counted_retries(self.request)

    @property
    def budget_spent(self) -> bool:
        """Whether a retry that counts would go past the budget: this attempt is the last."""
        return self.retries_counted >= self.budget

    def is_retryable(self, error: BaseException) -> bool:
        return isinstance(error, (RetryableError, *PLATFORM_STATE_ERRORS, *self.retry_on))

    def _retry_after(self, error: BaseException, wanted_s: float | None, counts: bool) -> BaseException:
        settings = self.settings
        cap_s = broker_safe_cap_s(settings.worker.visibility_timeout_s, settings.retry.backoff_max_s)
        if wanted_s is None:
            delay_s = backoff_s(self.retries_counted, base_s=settings.retry.backoff_base_s, cap_s=cap_s)
        else:
            delay_s = min(max(wanted_s, 0.0), broker_safe_cap_s(settings.worker.visibility_timeout_s, wanted_s))
        if settings.broker_quorum_queues and delay_s > 0:
            # Native delayed delivery counts whole seconds, truncating, and refuses a countdown
            # under one second (the retry would not be published): round up instead.
            delay_s = float(math.ceil(delay_s))
        # The budget is checked by the caller against the header; Celery's own count, which waits
        # raise too, must never refuse the retry.
        try:
            retry: BaseException = self.retry(
                exc=error,
                countdown=delay_s,
                max_retries=int(self.request.retries or 0) + 1,
                throw=False,
                headers=retry_headers(self.request, counts=counts),
            )
        except Reject as rejected:
            # Celery rejects (drops) the message when the retry cannot be published. With the
            # broker away, put the message itself back instead: requeued, or left unacknowledged
            # for the reaper, it runs again rather than being lost.
            if isinstance(rejected.reason, (OperationalError, *PLATFORM_STATE_ERRORS, OSError)):
                raise Reject(rejected.reason, requeue=True) from error
            raise
        return retry


def platform_task(
    *, name: str, params: type[ParamsT] | None = None, bind: bool = False, **options: Any
) -> Callable[[Callable[..., Any]], PlatformTask]:
    """Register `fn(params)` (or `fn(task, params)` with `bind=True`) as a platform task.

    On the app current at import: the platform app, which imports the task modules, or
    Celery's fallback, which `tasks/__init__.py` makes the platform app too.
    """

    def decorate(fn: Callable[..., Any]) -> PlatformTask:
        task: PlatformTask = current_app.task(
            name=name,
            base=PlatformTask,
            params=params or NoParams,
            pass_task=bind,
            **options,
        )(fn)
        return task

    return decorate
