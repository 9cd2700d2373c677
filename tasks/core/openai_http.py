"""Requests to OpenAI-compatible endpoints: where the endpoint is, and a POST whose failures are typed."""

from __future__ import annotations

from typing import Any

import httpx

from tasks.errors import PermanentError, RetryableError
from tasks.redaction import redact_url

#: Bound on one request unless the caller sets its own.
REQUEST_TIMEOUT_S = 60.0


def endpoint(base: str, path: str) -> str:
    """`base` may be the server root, its `/v1`, or the full endpoint."""
    base = base.rstrip("/")
    if base.endswith(path):
        return base
    if base.endswith("/v1"):
        return base + path
    return base + "/v1" + path


def retry_after_s(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def post_json(
    url: str,
    body: dict[str, Any],
    api_key: str | None,
    unavailable: type[RetryableError],
    timeout_s: float = REQUEST_TIMEOUT_S,
) -> Any:
    """POST and decode; transport errors, 429 and 5xx raise `unavailable` (retryable)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    shown = redact_url(url)
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=timeout_s)
    except httpx.TransportError as error:
        raise unavailable(f"{shown} unreachable: {type(error).__name__}") from None
    if response.status_code == 429 or response.status_code >= 500:
        raise unavailable(f"{shown} answered {response.status_code}", retry_after_s=retry_after_s(response))
    if response.status_code >= 400:
        raise PermanentError(f"{shown} refused the request: {response.status_code} {response.text[:200]}")
    try:
        return response.json()
    except ValueError:
        raise PermanentError(f"{shown} answered {response.status_code} with a body that is not JSON") from None
