"""Replay: re-publish a dead letter's task with its original arguments, queue and options."""

from __future__ import annotations

import json
import uuid
from typing import Any

from celery import Celery
from redis.exceptions import WatchError

from tasks.deadletter.errors import AlreadyReplayed, EntryNotFound
from tasks.deadletter.store import entry_key, get, load_payload, save
from tasks.redis_client import get_redis


def replay(app: Celery, entry_id: str, *, force: bool = False) -> str:
    """Send the entry's task again, through `app`, under a new task id; returns that id.

    The entry is marked first (under WATCH), so two replays racing without `force`
    cannot both send; if sending fails, the mark is undone.
    """
    new_id = uuid.uuid4().hex
    entry, previous = _mark(entry_id, new_id, force)
    payload = load_payload(entry_id) or {}
    options: dict[str, Any] = dict(payload.get("options") or {})
    try:
        app.send_task(
            entry["task"],
            args=payload.get("args", entry["args"]),
            kwargs=payload.get("kwargs", entry["kwargs"]),
            task_id=new_id,
            queue=entry["queue"],
            **options,
        )
    except BaseException:
        entry["replayed_as"] = previous
        save(entry)
        raise
    return new_id


def _mark(entry_id: str, new_id: str, force: bool) -> tuple[dict[str, Any], str | None]:
    with get_redis().pipeline() as pipe:
        while True:
            try:
                pipe.watch(entry_key(entry_id))
                entry = get(entry_id)
                if entry is None:
                    raise EntryNotFound(entry_id)
                previous: str | None = entry["replayed_as"]
                if previous and not force:
                    raise AlreadyReplayed(entry_id, previous)
                entry["replayed_as"] = new_id
                pipe.multi()
                pipe.set(entry_key(entry_id), json.dumps(entry, default=str), keepttl=True)
                pipe.execute()
                return entry, previous
            except WatchError:
                continue
