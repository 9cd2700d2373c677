"""Heartbeats: each live worker writes, every few seconds, that it lives and which messages it holds."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from celery.worker import state

from tasks.liveness.keys import WORKERS, heartbeat_key, held_key
from tasks.redis_client import get_redis
from tasks.settings import WorkerSettings


def held_tags() -> list[str]:
    """Delivery tags of every message this worker holds: reserved, running or waiting for an ETA."""
    requests: list[Any] = list(state.requests.values())
    requests += list(state.scheduled_requests)
    tags = []
    for request in requests:
        tag = getattr(getattr(request, "message", None), "delivery_tag", None)
        if tag is not None:
            tags.append(tag.decode() if isinstance(tag, bytes) else str(tag))
    return tags


def beat(hostname: str, settings: WorkerSettings, tags: list[str]) -> None:
    """One atomic write: the heartbeat and the held tags, both expiring after `dead_after_s`."""
    pipe = get_redis().pipeline(transaction=True)
    pipe.set(heartbeat_key(hostname), time.time(), ex=settings.dead_after_s)
    pipe.delete(held_key(hostname))
    if tags:
        pipe.sadd(held_key(hostname), *tags)
        pipe.expire(held_key(hostname), settings.dead_after_s)
    pipe.sadd(WORKERS, hostname)
    pipe.execute()


def stop(hostname: str) -> None:
    """A clean shutdown: kombu requeues what the worker held, so its marks can go now."""
    get_redis().delete(heartbeat_key(hostname), held_key(hostname))


def alive(workers: Iterable[str]) -> dict[str, bool]:
    """Whether each of `workers` has a live heartbeat."""
    names = list(workers)
    pipe = get_redis().pipeline(transaction=False)
    for worker in names:
        pipe.exists(heartbeat_key(worker))
    return {worker: bool(found) for worker, found in zip(names, pipe.execute(), strict=True)}
