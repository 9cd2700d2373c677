"""Document ingestion: `process_document` (the task), `get_document` and `search`.

Light on purpose: clients import it, so the task module and the search stack load
only when those names are first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tasks.upload.records import get_document

if TYPE_CHECKING:
    from tasks.upload.retrieval import search
    from tasks.upload.tasks import process_document

__all__ = ["get_document", "process_document", "search"]


def __getattr__(name: str) -> Any:
    if name == "process_document":
        from tasks.upload.tasks import process_document

        return process_document
    if name == "search":
        from tasks.upload.retrieval import search

        return search
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
