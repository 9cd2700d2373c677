from __future__ import annotations

import time
import uuid

from tasks.upload import records
from tasks.upload.stale import find_stale


def test_finds_documents_processing_past_the_limit() -> None:
    old, fresh, done = (f"stale-{uuid.uuid4().hex[:8]}" for _ in range(3))
    for document_id in (old, fresh, done):
        records.register(document_id, collection="c", filename="f.txt", source="f.txt", task_id=None)
        records.update(document_id, status="processing", stage="parsing", progress=10)
    records.update(done, status="completed")
    now = time.time()

    found = find_stale(60, now_ts=now + 120)
    ids = [record["document_id"] for record in found]

    assert old in ids and fresh in ids and done not in ids
    assert all(record["status"] == "processing" for record in found)
    assert all(record["processing_since_ts"] <= now for record in found)
    assert not {old, fresh} & {record["document_id"] for record in find_stale(60, now_ts=now)}


def test_a_document_leaving_processing_is_no_longer_stale() -> None:
    document_id = f"stale-{uuid.uuid4().hex[:8]}"
    records.update(document_id, status="processing")

    records.update(document_id, status="failed", error="gave up")

    assert document_id not in [record["document_id"] for record in find_stale(0, now_ts=time.time() + 10)]
