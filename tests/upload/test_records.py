"""The document records' listing, on real Redis."""

from __future__ import annotations

import uuid

from tasks.upload import records


def test_recent_documents_newest_first_and_by_status() -> None:
    tag = uuid.uuid4().hex[:8]
    first, second = f"doc-{tag}-1", f"doc-{tag}-2"
    records.update(first, status="completed", collection=tag)
    records.update(second, status="processing", collection=tag)
    # A content index and the processing index live beside the records; they are not records.
    records.claim_content(tag, "f" * 64, first)

    listed = [r["document_id"] for r in records.recent_documents(limit=10_000) if r.get("collection") == tag]
    processing = [r["document_id"] for r in records.recent_documents(status="processing", limit=10_000)]

    assert listed == [second, first]
    assert second in processing and first not in processing
    assert len(records.recent_documents(limit=1)) == 1
