"""The process's Redis client for platform state (locks, metrics, dead letters, records).

`TASKS_REDIS_URL` is a `redis://`/`rediss://` URL, or a `sentinel://` URL naming a sentinel:
then every client asks the sentinels for the current master of `TASKS_REDIS_SENTINEL__MASTER_NAME`
and follows a failover by itself (redis-py's `redis.sentinel.Sentinel`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import redis
from redis.sentinel import Sentinel

from tasks.settings import Settings, get_settings

#: Every platform key starts with this, so one Redis can be shared with other users.
PREFIX = "tasks:"

#: Bound on any one Redis call, so a stuck server cannot hang a task or a hook.
SOCKET_TIMEOUT_S = 5.0

#: A sentinel's port when its URL names none.
SENTINEL_PORT = 26379


@dataclass(frozen=True)
class SentinelTarget:
    """Where the platform's Redis is found through Sentinel, and how to log in to its master."""

    sentinels: list[tuple[str, int]]
    master_name: str
    db: int
    username: str | None
    password: str | None
    sentinel_kwargs: dict[str, Any]


def sentinel_target(settings: Settings) -> SentinelTarget | None:
    """The Sentinel set of `TASKS_REDIS_URL`, or None for a plain Redis URL."""
    url = settings.redis_url
    if url.scheme != "sentinel":
        return None
    assert settings.redis_sentinel.master_name is not None  # Settings refuses a sentinel URL without it
    path = (url.path or "/").strip("/")
    return SentinelTarget(
        sentinels=[(url.host or "localhost", url.port or SENTINEL_PORT)],
        master_name=settings.redis_sentinel.master_name,
        db=int(path or 0),
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        sentinel_kwargs=settings.redis_sentinel.kwargs().to_options(),
    )


def connect(settings: Settings, *, timeout_s: float = SOCKET_TIMEOUT_S, **options: Any) -> redis.Redis:
    """A client of the platform's Redis (its current master, behind Sentinel)."""
    timeouts = {"socket_timeout": timeout_s, "socket_connect_timeout": timeout_s}
    target = sentinel_target(settings)
    if target is None:
        return redis.Redis.from_url(str(settings.redis_url), **timeouts, **options)
    sentinel = Sentinel(target.sentinels, sentinel_kwargs={**timeouts, **target.sentinel_kwargs}, **timeouts)
    client: redis.Redis = sentinel.master_for(
        target.master_name, db=target.db, username=target.username, password=target.password, **options
    )
    return client


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    """One pooled client per process; redis-py re-creates the pool after a fork."""
    return connect(get_settings(), decode_responses=True, health_check_interval=30)


def key(*parts: str) -> str:
    return PREFIX + ":".join(parts)
