"""Post a summary to a Slack-compatible incoming webhook."""

from __future__ import annotations

from typing import Any

import httpx

from tasks.errors import PermanentError, RetryableError
from tasks.reports.summary import as_text

#: Bound on one webhook call.
TIMEOUT_S = 10.0


def post(url: str, summary: dict[str, Any]) -> int:
    """POST `{"text": ...}`; 5xx, 429 and network errors are retryable, other 4xx permanent."""
    try:
        answer = httpx.post(url, json={"text": as_text(summary)}, timeout=TIMEOUT_S)
    except httpx.TransportError as error:
        raise RetryableError(f"report webhook unreachable: {type(error).__name__}") from None
    if answer.status_code == 429 or answer.status_code >= 500:
        raise RetryableError(f"report webhook answered {answer.status_code}")
    if answer.status_code >= 400:
        raise PermanentError(f"report webhook refused the summary with {answer.status_code}")
    return answer.status_code
