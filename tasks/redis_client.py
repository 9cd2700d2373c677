"""The process's Redis client for platform state (locks, metrics, dead letters, records)."""

from __future__ import annotations

from functools import lru_cache

import redis

from tasks.settings import get_settings

#: Every platform key starts with this, so one Redis can be shared with other users.
PREFIX = "tasks:"

#: Bound on any one Redis call, so a stuck server cannot hang a task or a hook.
SOCKET_TIMEOUT_S = 5.0


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    """One pooled client per process; redis-py re-creates the pool after a fork."""
    return redis.Redis.from_url(
        str(get_settings().redis_url),
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=SOCKET_TIMEOUT_S,
        health_check_interval=30,
    )


def key(*parts: str) -> str:
    return PREFIX + ":".join(parts)
