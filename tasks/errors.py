"""The platform's error classes: one retry policy reads them (see tasks.core.task)."""

from __future__ import annotations

from pydantic import ValidationError


class PlatformError(Exception):
    """Base of every error the platform raises on purpose."""


class RetryableError(PlatformError):
    """A transient failure: the task is retried with backoff.

    `retry_after_s` asks for a specific delay (a rate limit's reset time);
    `counts_as_attempt=False` retries without spending the task's retry budget.
    """

    def __init__(self, message: str, *, retry_after_s: float | None = None, counts_as_attempt: bool = True):
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.counts_as_attempt = counts_as_attempt


class PermanentError(PlatformError):
    """A failure that no retry can fix: the job goes to the dead-letter store."""


class InvalidArguments(PermanentError):
    """A task was called with arguments that do not validate; names every bad field."""

    @classmethod
    def from_validation(cls, task_name: str, error: ValidationError, *, within: str | None = None) -> InvalidArguments:
        """`within` names the argument that was validated alone (a webhook's payload), to prefix its fields."""
        problems = []
        for item in error.errors(include_url=False, include_input=False):
            loc = (within, *item["loc"]) if within is not None else item["loc"]
            field = ".".join(str(part) for part in loc) or "arguments"
            problems.append(f"{field}: {item['msg']}")
        return cls(f"invalid arguments for {task_name}: " + "; ".join(problems))
