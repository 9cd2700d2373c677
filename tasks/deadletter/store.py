"""The dead-letter store in Redis: entries indexed by time, task name, reason and task id.

Its bounds (`DlqSettings`) and the secrets it masks come from the caller: the hook built
with the settings, the CLI's app, the trim task's own settings.
"""

from __future__ import annotations

import json
import time
import traceback as tb
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from redis import Redis

from tasks.deadletter.reasons import REASONS, Reason
from tasks.redaction import redact, redact_text
from tasks.redis_client import get_redis, key
from tasks.settings import DlqSettings

#: Every entry id, scored by failure time.
INDEX: Final = key("dlq", "index")
#: Task names that have entries.
TASK_NAMES: Final = key("dlq", "tasks")
#: Bound on a stored traceback, characters: a deep recursion must not fill Redis.
MAX_TRACEBACK_CHARS: Final = 20_000
#: Entries read per Redis call when filtering a listing.
PAGE: Final = 200


def entry_key(entry_id: str) -> str:
    return key("dlq", "entry", entry_id)


def payload_key(entry_id: str) -> str:
    """The original, unredacted arguments, kept only for replay and never shown."""
    return key("dlq", "payload", entry_id)


def by_task_id_key(task_id: str) -> str:
    """The entry id of a failed task id; expires with the entry, so it never outlives it."""
    return key("dlq", "by_task_id", task_id)


def task_index(task: str) -> str:
    return key("dlq", "task", task)


def reason_index(reason: str) -> str:
    return key("dlq", "reason", reason)


def record(
    *,
    task_id: str,
    task: str,
    queue: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    reason: Reason,
    exception: BaseException,
    retries: int,
    worker: str | None,
    dlq: DlqSettings,
    secrets: Sequence[str],
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store one dead letter, `secrets` redacted, within the bounds of `dlq`; returns the entry."""
    now = time.time()
    trace = "".join(tb.format_exception(type(exception), exception, exception.__traceback__))
    entry: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "task_id": task_id,
        "task": task,
        "queue": queue,
        "args": redact(list(args), secrets),
        "kwargs": redact(dict(kwargs), secrets),
        "reason": reason,
        "exception_type": type(exception).__name__,
        "exception_message": redact_text(str(exception), secrets),
        "traceback": redact_text(trace[-MAX_TRACEBACK_CHARS:], secrets),
        "retries": retries,
        "worker": worker,
        "failed_at": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"),
        "replayed_as": None,
    }
    payload = {"args": list(args), "kwargs": dict(kwargs), "options": options or {}}
    ttl_s = dlq.retention_days * 86_400
    client = get_redis()
    pipe = client.pipeline(transaction=True)
    pipe.set(entry_key(entry["id"]), json.dumps(entry, default=str), ex=ttl_s)
    pipe.set(payload_key(entry["id"]), json.dumps(payload, default=str), ex=ttl_s)
    pipe.zadd(INDEX, {entry["id"]: now})
    pipe.zadd(task_index(task), {entry["id"]: now})
    pipe.zadd(reason_index(reason), {entry["id"]: now})
    pipe.set(by_task_id_key(task_id), entry["id"], ex=ttl_s)
    pipe.sadd(TASK_NAMES, task)
    pipe.zcard(INDEX)
    pipe.zrange(INDEX, 0, 0, withscores=True)
    *_, size, oldest = pipe.execute()
    if size > dlq.max_entries or (oldest and oldest[0][1] < now - ttl_s):
        trim(dlq)
    return entry


def get(entry_id: str) -> dict[str, Any] | None:
    raw = get_redis().get(entry_key(entry_id))
    return _load(raw)


def find_by_task_id(task_id: str) -> dict[str, Any] | None:
    entry_id = get_redis().get(by_task_id_key(task_id))
    return get(str(entry_id)) if entry_id else None


def list_entries(
    *,
    task: str | None = None,
    reason: str | None = None,
    since_ts: float | None = None,
    until_ts: float | None = None,
    replayed: bool | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Entries, newest first, filtered by task name, reason, failure time (epoch seconds, inclusive)
    and whether they were replayed; `offset` entries of that selection are skipped."""
    client = get_redis()
    index = task_index(task) if task else reason_index(reason) if reason else INDEX
    high = "+inf" if until_ts is None else repr(until_ts)
    low = "-inf" if since_ts is None else repr(since_ts)
    found: list[dict[str, Any]] = []
    start = 0
    while len(found) < offset + limit:
        ids = _ids(client.zrevrangebyscore(index, high, low, start=start, num=PAGE))
        if not ids:
            break
        for raw in client.mget([entry_key(entry_id) for entry_id in ids]):
            entry = _load(raw)
            if (
                entry is not None
                and (reason is None or entry["reason"] == reason)
                and (replayed is None or bool(entry["replayed_as"]) == replayed)
            ):
                found.append(entry)
        start += PAGE
    return found[offset : offset + limit]


def delete(entry_ids: Iterable[str]) -> int:
    """Delete these entries; returns how many of them the store held."""
    client = get_redis()
    ids = list(dict.fromkeys(entry_ids))
    pipe = client.pipeline(transaction=False)
    for entry_id in ids:
        pipe.zscore(INDEX, entry_id)
    held = [entry_id for entry_id, score in zip(ids, pipe.execute(), strict=True) if score is not None]
    _delete(client, held)
    return len(held)


def purge(*, task: str | None = None) -> int:
    """Delete every entry (of one task name); returns how many were deleted."""
    client = get_redis()
    ids = _ids(client.zrange(task_index(task) if task else INDEX, 0, -1))
    _delete(client, ids)
    return len(ids)


def trim(dlq: DlqSettings) -> int:
    """Drop entries past the retention and the oldest beyond the maximum; returns how many."""
    client = get_redis()
    cutoff = time.time() - dlq.retention_days * 86_400
    expired = _ids(client.zrangebyscore(INDEX, "-inf", f"({cutoff}"))
    _delete(client, expired)
    excess = client.zcard(INDEX) - dlq.max_entries
    surplus = _ids(client.zrange(INDEX, 0, excess - 1)) if excess > 0 else []
    _delete(client, surplus)
    return len(expired) + len(surplus)


def counts_by_task() -> dict[str, int]:
    """Entries held per task name, from the store's own indexes (0 for a name whose entries all went)."""
    client = get_redis()
    names = sorted(_ids(client.smembers(TASK_NAMES)))
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.zcard(task_index(name))
    return {name: int(size) for name, size in zip(names, pipe.execute(), strict=True)}


def counts_by_reason() -> dict[Reason, int]:
    """Entries held per reason, from the store's own indexes."""
    pipe = get_redis().pipeline(transaction=False)
    for reason in REASONS:
        pipe.zcard(reason_index(reason))
    return {reason: int(size) for reason, size in zip(REASONS, pipe.execute(), strict=True)}


def save(entry: dict[str, Any]) -> None:
    """Rewrite a stored entry, keeping its expiry."""
    get_redis().set(entry_key(entry["id"]), json.dumps(entry, default=str), keepttl=True)


def load_payload(entry_id: str) -> dict[str, Any] | None:
    raw = get_redis().get(payload_key(entry_id))
    return _load(raw)


def _ids(values: Any) -> list[str]:
    """Redis replies as the strings they are (the client decodes responses)."""
    return [str(value) for value in values]


def _load(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    loaded: dict[str, Any] = json.loads(raw)
    return loaded


def _delete(client: Redis, ids: Iterable[str]) -> None:
    ids = list(ids)
    names = _ids(client.smembers(TASK_NAMES)) if ids else []
    for start in range(0, len(ids), PAGE):
        page = ids[start : start + PAGE]
        entries = client.mget([entry_key(entry_id) for entry_id in page])
        pipe = client.pipeline(transaction=False)
        for entry_id, raw in zip(page, entries, strict=True):
            entry = _load(raw)
            pipe.delete(entry_key(entry_id), payload_key(entry_id))
            pipe.zrem(INDEX, entry_id)
            if entry is not None:
                pipe.zrem(task_index(entry["task"]), entry_id)
                pipe.zrem(reason_index(entry["reason"]), entry_id)
                pipe.delete(by_task_id_key(entry["task_id"]))
            else:
                # The entry expired on its own: its task and reason are unknown, so try them all.
                for reason in REASONS:
                    pipe.zrem(reason_index(reason), entry_id)
                for name in names:
                    pipe.zrem(task_index(name), entry_id)
        pipe.execute()
