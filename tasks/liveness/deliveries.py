"""Counting the deliveries of a task id that died with their worker, to stop poison messages."""

from __future__ import annotations

from typing import Final

from tasks.redis_client import get_redis, key

#: How long a task id's count of lost deliveries is kept, seconds.
LOSSES_TTL_S: Final = 7 * 86_400


def losses_key(task_id: str) -> str:
    return key("deliveries", "lost", task_id)


def record_loss(task_id: str) -> int:
    """Count one delivery of `task_id` that died with its worker; returns the new count."""
    pipe = get_redis().pipeline(transaction=False)
    pipe.incr(losses_key(task_id))
    pipe.expire(losses_key(task_id), LOSSES_TTL_S)
    count, _ = pipe.execute()
    return int(count)


def losses(task_id: str) -> int:
    value = get_redis().get(losses_key(task_id))
    return int(value) if value else 0


def forget(task_id: str) -> None:
    get_redis().delete(losses_key(task_id))
