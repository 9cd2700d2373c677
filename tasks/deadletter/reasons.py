"""Why a job became a dead letter: one classification for every failure path."""

from __future__ import annotations

from typing import Any, Final, Literal

from billiard.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded, WorkerLostError

from tasks.errors import InvalidArguments, RetryableError

Reason = Literal["validation_error", "retries_exhausted", "non_retryable", "time_limit", "worker_lost"]

#: Every reason, in the contract's order.
REASONS: Final[tuple[Reason, ...]] = (
    "validation_error",
    "retries_exhausted",
    "non_retryable",
    "time_limit",
    "worker_lost",
)


def classify(task: Any, error: BaseException) -> Reason:
    """The reason a task that failed with `error` is dead-lettered.

    A retryable error reaching the failure path means the retry budget is spent.
    """
    if isinstance(error, InvalidArguments):
        return "validation_error"
    if isinstance(error, TimeLimitExceeded | SoftTimeLimitExceeded):
        return "time_limit"
    if isinstance(error, WorkerLostError):
        return "worker_lost"
    is_retryable = getattr(task, "is_retryable", None)
    retryable = is_retryable(error) if callable(is_retryable) else isinstance(error, RetryableError)
    return "retries_exhausted" if retryable else "non_retryable"
