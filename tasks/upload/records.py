"""The document records in Redis: one hash per document, values JSON-encoded.

Also two indexes: content (collection + SHA-256 to the document that holds it) and
the documents in `processing` by the time they started, for the stale finder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from tasks.redis_client import get_redis, key
from tasks.scrub import scrub_text

Status = Literal["pending", "processing", "completed", "failed", "duplicate"]

#: How long a record is kept after its last change.
RECORD_TTL_S = 90 * 86_400


def record_key(document_id: str) -> str:
    return key("documents", document_id)


def content_key(collection: str, sha256: str) -> str:
    return key("documents", "content", collection, sha256)


def processing_key() -> str:
    return key("documents", "processing")


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def get_document(document_id: str) -> dict[str, Any] | None:
    """The document's record, or None when there is none."""
    raw = get_redis().hgetall(record_key(document_id))
    if not raw:
        return None
    return {str(name): json.loads(value) for name, value in raw.items()}


def recent_documents(*, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Document records, most recently updated first (optionally of one status).

    Records have no index of their own, so the key space is scanned: fine for an operator's page,
    bounded by the records' expiry.
    """
    client = get_redis()
    names = [str(name) for name in client.scan_iter(match=record_key("*"), count=500, _type="HASH")]
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.hgetall(name)
    found = [{str(field): json.loads(value) for field, value in raw.items()} for raw in pipe.execute() if raw]
    if status is not None:
        found = [record for record in found if record.get("status") == status]
    found.sort(key=lambda record: str(record.get("updated_at") or ""), reverse=True)
    return found[:limit]


def update(document_id: str, secrets: Sequence[str] | None = None, **fields: Any) -> None:
    """Set `fields` on the record (creating it) and keep the processing index in step.

    An error text is masked with `secrets`, so one is refused without them.
    """
    error = fields.get("error")
    if isinstance(error, str):
        if secrets is None:
            raise TypeError("an error text is recorded only with the secrets that mask it")
        fields["error"] = scrub_text(error, secrets)
    now = now_iso()
    fields = {"document_id": document_id, "updated_at": now, **fields}
    pipe = get_redis().pipeline()
    pipe.hsetnx(record_key(document_id), "created_at", json.dumps(now))
    pipe.hset(record_key(document_id), mapping={name: json.dumps(value) for name, value in fields.items()})
    pipe.expire(record_key(document_id), RECORD_TTL_S)
    status = fields.get("status")
    if status == "processing":
        pipe.zadd(processing_key(), {document_id: time.time()}, nx=True)
    elif status is not None:
        pipe.zrem(processing_key(), document_id)
    pipe.execute()


def register(document_id: str, *, collection: str, filename: str, source: str, task_id: str | None) -> None:
    """A new `pending` record (a record that already exists keeps its state)."""
    if get_redis().exists(record_key(document_id)):
        return
    update(
        document_id,
        status="pending",
        stage=None,
        progress=0,
        collection=collection,
        filename=filename,
        source=source,
        task_id=task_id,
        content_sha256=None,
        chunk_count=0,
        error=None,
    )


def holder_of(collection: str, sha256: str) -> str | None:
    """The document that holds this content in the collection, if any."""
    value = get_redis().get(content_key(collection, sha256))
    return str(value) if value is not None else None


def claim_content(collection: str, sha256: str, document_id: str) -> None:
    get_redis().set(content_key(collection, sha256), document_id, ex=RECORD_TTL_S)


def release_content(collection: str, sha256: str, document_id: str) -> None:
    """Drop the content index entry if it still points at `document_id`."""
    redis = get_redis()
    if redis.get(content_key(collection, sha256)) == document_id:
        redis.delete(content_key(collection, sha256))


def processing_since(before_ts: float) -> list[tuple[str, float]]:
    """Documents that entered `processing` before `before_ts` (epoch seconds), oldest first."""
    entries: list[Any] = get_redis().zrangebyscore(processing_key(), "-inf", before_ts, withscores=True)
    return [(str(entry[0]), float(entry[1])) for entry in entries]


def processing_stages(limit: int = 10_000) -> dict[str, int]:
    """Documents in `processing` per stage they are in (the oldest `limit` of them)."""
    redis = get_redis()
    document_ids = redis.zrange(processing_key(), 0, limit - 1)
    pipe = redis.pipeline(transaction=False)
    for document_id in document_ids:
        pipe.hget(record_key(str(document_id)), "stage")
    counts: dict[str, int] = {}
    for raw in pipe.execute():
        stage = json.loads(raw) if raw else None
        if isinstance(stage, str):
            counts[stage] = counts.get(stage, 0) + 1
    return counts
