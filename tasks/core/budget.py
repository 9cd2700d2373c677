"""A task's retry budget, kept in its own message headers so waits that do not count never spend it.

Celery's `request.retries` counts every retry, a rate limit's wait included; the
budget counts only retries that count, and travels with the message from retry to retry.
"""

from __future__ import annotations

import time
from typing import Any, Final

#: Header: retries so far that spent the budget (a rate limit's wait does not).
COUNTED_HEADER: Final = "tasks_retries_counted"
#: Header: when the first attempt of the task started (epoch seconds).
FIRST_ATTEMPT_HEADER: Final = "tasks_first_attempt_at"


def _header(request: Any, name: str) -> Any:
    """A custom header of a task's request: Celery puts them at the top level of the request."""
    if isinstance(request, dict):
        return request.get(name)
    value = getattr(request, name, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(name)
    return value


def counted_retries(request: Any) -> int:
    """Retries that spent the budget; 0 on the first delivery."""
    value = _header(request, COUNTED_HEADER)
    return int(value) if value is not None else 0


def first_attempt_at(request: Any, *, now: float | None = None) -> float:
    """When the task first ran; `now` on the first delivery."""
    value = _header(request, FIRST_ATTEMPT_HEADER)
    return float(value) if value is not None else (time.time() if now is None else now)


def retry_headers(request: Any, *, counts: bool, now: float | None = None) -> dict[str, Any]:
    """Headers for the next attempt: the request's own, with the budget and first attempt carried on."""
    inherited = getattr(request, "headers", None)
    headers = dict(inherited) if isinstance(inherited, dict) else {}
    headers[COUNTED_HEADER] = counted_retries(request) + (1 if counts else 0)
    headers[FIRST_ATTEMPT_HEADER] = first_attempt_at(request, now=now)
    return headers
