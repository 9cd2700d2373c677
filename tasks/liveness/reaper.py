"""The reaper: requeues the unacknowledged Redis messages that no live worker holds.

kombu keeps every delivered, unacknowledged message in the broker's `unacked` hash
(indexed by delivery time in `unacked_index`) and requeues it only after the
`visibility_timeout`, which must be long enough for the longest task. A worker that
dies leaves its messages there; the reaper, running in every live worker, requeues
those whose delivery is older than `dead_after_s` and whose tag no live worker
reports holding, in two passes at least a heartbeat apart, with kombu's own
`restore_by_tag`. With the platform's transport (`tasks.broker`) it also requeues
what a consumer killed mid-fetch left in its in-flight list.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Celery
from redis.exceptions import LockError

from tasks.broker import inflight
from tasks.liveness import deliveries
from tasks.liveness.keys import REAPER_LOCK, SUSPECTS, WORKERS, heartbeat_key, held_key
from tasks.redis_client import get_redis
from tasks.settings import WorkerSettings

log = logging.getLogger(__name__)


def live_holdings() -> tuple[set[str], set[str]]:
    """Live workers and the union of the tags they hold; forgets workers without a heartbeat."""
    client = get_redis()
    workers = sorted(str(worker) for worker in client.smembers(WORKERS))
    pipe = client.pipeline(transaction=False)
    for worker in workers:
        pipe.exists(heartbeat_key(worker))
        pipe.smembers(held_key(worker))
    replies = pipe.execute()
    live: set[str] = set()
    held: set[str] = set()
    for worker, alive, tags in zip(workers, replies[::2], replies[1::2], strict=True):
        if alive:
            live.add(worker)
            held |= {str(tag) for tag in tags}
    dead = set(workers) - live
    if dead:
        client.srem(WORKERS, *dead)
    return live, held


def reap(app: Celery, hostname: str, settings: WorkerSettings) -> int:
    """Requeue orphaned messages (Redis brokers only); returns how many. One reaper at a time."""
    with reaper_lock(hostname, ttl_s=max(settings.heartbeat_s * 2, 10)) as acquired:
        if not acquired:
            return 0
        with app.pool.acquire(block=True) as connection:
            if connection.transport.driver_type != "redis":
                return 0
            channel = connection.default_channel
            return _restore_inflight(channel, settings) + _restore_orphans(channel, settings)


@contextmanager
def reaper_lock(hostname: str, *, ttl_s: float) -> Iterator[bool]:
    """The reapers' mutex, if free (yields whether it was taken); released only while still ours.

    A pass that outlived the lock's expiry must not delete the lock another reaper took since.
    """
    lock = get_redis().lock(REAPER_LOCK, timeout=ttl_s, blocking=False, thread_local=False)
    if not lock.acquire(token=f"{hostname}#{uuid.uuid4().hex}"):
        yield False
        return
    try:
        yield True
    finally:
        try:
            lock.release()
        except LockError:
            log.warning("the reaper lock had expired before %s released it; left to its new owner", hostname)


def _restore_orphans(channel: Any, settings: WorkerSettings) -> int:
    broker = channel.client
    now = time.time()
    # Read the live workers' holdings after the candidates: a tag handed over in between
    # is then already in a held set (or younger than the cutoff).
    candidates = [
        _text(t) for t in broker.zrangebyscore(channel.unacked_index_key, "-inf", now - settings.dead_after_s)
    ]
    _, held = live_holdings()
    orphans = [tag for tag in candidates if tag not in held]
    due = _confirmed(broker, orphans, now, settings.heartbeat_s)
    for tag in due:
        task_id = _task_id(broker.hget(channel.unacked_key, tag))
        if task_id is not None:
            deliveries.record_loss(task_id)
        channel.qos.restore_by_tag(tag, client=broker)
        log.warning("requeued message %s (task id %s) left unacknowledged by a dead worker", tag, task_id)
    return len(due)


def _restore_inflight(channel: Any, settings: WorkerSettings) -> int:
    task_ids = inflight.restore_abandoned(channel, settings.dead_after_s)
    for task_id in task_ids:
        if task_id:
            deliveries.record_loss(task_id)
        log.warning("requeued message (task id %s) a dead consumer had taken but not yet recorded", task_id or "?")
    return len(task_ids)


def _confirmed(client: Any, orphans: list[str], now: float, heartbeat_s: float) -> list[str]:
    """The orphans already seen orphaned by an earlier pass at least one heartbeat ago.

    A live worker drops a finished task from its heartbeat a moment before the
    acknowledgement reaches the broker; an orphan seen twice is not in that moment.
    The suspects live on the broker beside the tags they name: a reaper of another
    broker sharing the platform's Redis must not clear them.
    """
    suspects = {_text(tag): float(seen) for tag, seen in client.hgetall(SUSPECTS).items()}
    due = [tag for tag in orphans if tag in suspects and suspects[tag] <= now - heartbeat_s]
    pipe = client.pipeline(transaction=False)
    cleared = [tag for tag in suspects if tag not in orphans or tag in due]
    if cleared:
        pipe.hdel(SUSPECTS, *cleared)
    for tag in orphans:
        if tag not in suspects:
            pipe.hset(SUSPECTS, tag, now)
    pipe.execute()
    return due


def _task_id(raw: Any) -> str | None:
    if raw is None:
        return None
    try:
        message, _exchange, _routing_key = json.loads(_text(raw))
        task_id = message.get("headers", {}).get("id")
    except (ValueError, TypeError, AttributeError):
        return None
    return str(task_id) if task_id else None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
