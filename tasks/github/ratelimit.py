"""GitHub's rate limits: read from each answer, shared across workers through Redis.

Primary limit: `X-RateLimit-Remaining` / `X-RateLimit-Reset` (epoch seconds).
Secondary limit: 403 or 429 with `Retry-After`, or a 403 whose message names it.
When either is hit, every worker waits until the reset instead of spending requests
that would be refused.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from tasks.github.errors import RateLimited
from tasks.redis_client import get_redis, key

#: GitHub's documented wait for a secondary limit that names no `Retry-After`.
SECONDARY_DEFAULT_WAIT_S = 60.0
#: Margin past the announced reset, for clock skew between GitHub and the workers.
RESET_MARGIN_S = 1.0


def blocked_key() -> str:
    return key("github", "ratelimit", "blocked_until")


def limit_wait_s(status: int, headers: Mapping[str, str], body_text: str, now: float) -> float | None:
    """Seconds to wait when this answer is a rate-limit refusal; None when it is not one."""
    if status not in (403, 429):
        return None
    retry_after = headers.get("retry-after")
    if retry_after is not None and retry_after.strip().isdigit():
        return float(retry_after) + RESET_MARGIN_S
    if headers.get("x-ratelimit-remaining") == "0":
        return reset_wait_s(headers, now)
    if status == 429 or "secondary rate limit" in body_text.lower():
        return SECONDARY_DEFAULT_WAIT_S
    return None


def reset_wait_s(headers: Mapping[str, str], now: float) -> float:
    reset = headers.get("x-ratelimit-reset", "")
    if reset.strip().isdigit():
        return max(float(reset) - now, 0.0) + RESET_MARGIN_S
    return SECONDARY_DEFAULT_WAIT_S


def exhausted_wait_s(headers: Mapping[str, str], now: float) -> float | None:
    """After a successful answer that spent the last request: how long until the reset."""
    if headers.get("x-ratelimit-remaining") == "0":
        return reset_wait_s(headers, now)
    return None


def block_for(wait_s: float) -> None:
    """Tell every worker not to call GitHub for `wait_s` seconds."""
    until = time.time() + wait_s
    get_redis().set(blocked_key(), f"{until:.3f}", px=max(int(wait_s * 1000), 1))


def raise_if_blocked() -> None:
    """Refuse to send while a rate limit announced by any worker lasts."""
    value = get_redis().get(blocked_key())
    if value is None:
        return
    wait_s = float(value) - time.time()
    if wait_s > 0:
        raise RateLimited(f"GitHub rate limit in force for {wait_s:.1f} s more", retry_after_s=wait_s)
