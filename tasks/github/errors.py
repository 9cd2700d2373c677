"""GitHub errors, classified once: what a retry can fix and what it cannot."""

from __future__ import annotations

from tasks.errors import PermanentError, RetryableError


class RateLimited(RetryableError):
    """GitHub's primary or secondary rate limit: retry at the reset time, never counted as an attempt."""

    def __init__(self, message: str, *, retry_after_s: float):
        super().__init__(message, retry_after_s=retry_after_s, counts_as_attempt=False)


class GitHubUnavailable(RetryableError):
    """A network failure, a timeout or a 5xx answer: transient."""


class GitHubRequestError(PermanentError):
    """GitHub refused a request for a reason no retry changes (401, 403, 404, 422)."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


class NotFound(GitHubRequestError):
    """The repository, pull request or object does not exist, or the credentials cannot see it."""


class NotConfigured(PermanentError):
    """The GitHub settings lack what the call needs (a token or a GitHub App)."""


class LogTooLarge(PermanentError):
    """A job log past the download limits: the check run's own output stands in for it."""


class ModelUnavailable(RetryableError):
    """The fix model's endpoint is unreachable, times out or answers 429 or 5xx."""
