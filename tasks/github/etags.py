"""Conditional requests: the last ETag and body of each GET, kept in Redis.

A 304 answer costs nothing against GitHub's rate limit; the body it stands for
is the one kept here, so callers always see the data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tasks.redis_client import get_redis, key

#: How long an unused ETag is kept; a cold cache only costs one full request.
TTL_S = 7 * 86_400


@dataclass(frozen=True)
class Cached:
    etag: str
    body: str
    link: str


def cache_key(url: str) -> str:
    return key("github", "etag", hashlib.sha256(url.encode()).hexdigest())


def load(url: str) -> Cached | None:
    fields = {str(name): str(value) for name, value in get_redis().hgetall(cache_key(url)).items()}
    if "etag" not in fields:
        return None
    return Cached(etag=fields["etag"], body=fields.get("body", ""), link=fields.get("link", ""))


def store(url: str, cached: Cached) -> None:
    name = cache_key(url)
    pipe = get_redis().pipeline()
    pipe.hset(name, mapping={"etag": cached.etag, "body": cached.body, "link": cached.link})
    pipe.expire(name, TTL_S)
    pipe.execute()


def touch(url: str) -> None:
    get_redis().expire(cache_key(url), TTL_S)
