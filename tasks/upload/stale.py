"""Documents stuck in `processing`: the hook `maintenance.recover_stale_documents` uses."""

from __future__ import annotations

import time
from typing import Any

from tasks.settings import get_settings
from tasks.upload import records


def find_stale(older_than_s: float | None = None, *, now_ts: float | None = None) -> list[dict[str, Any]]:
    """Records `processing` for longer than `older_than_s` (default `TASKS_UPLOAD__STALE_AFTER_S`), oldest first.

    Each record gains `processing_since_ts`, the epoch time it entered `processing`.
    """
    limit_s = older_than_s if older_than_s is not None else get_settings().upload.stale_after_s
    cutoff = (now_ts if now_ts is not None else time.time()) - limit_s
    stale = []
    for document_id, since_ts in records.processing_since(cutoff):
        record = records.get_document(document_id)
        if record is None or record.get("status") != "processing":
            continue
        stale.append({**record, "processing_since_ts": since_ts})
    return stale
