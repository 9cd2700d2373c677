"""Document ingestion: `process_document` (the task), `get_document` and `search`.

Light on purpose: clients import it, so the task module and the search stack load
only when those names are first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tasks.upload.records import get_document

if TYPE_CHECKING:
    from tasks.settings import Settings
    from tasks.upload.tasks import process_document

__all__ = ["get_document", "process_document", "search"]


def __getattr__(name: str) -> Any:
    if name == "process_document":
        from tasks.upload.tasks import process_document

        return process_document
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def search(
    collection: str, query: str, k: int = 5, *, mode: str = "hybrid", settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The `k` best chunks of `collection` for `query` (`tasks.upload.retrieval.search`).

    With the process's settings (the `TASKS_*` environment) unless `settings` are given:
    a client application calls it as it calls `get_document`.
    """
    from tasks.settings import get_settings
    from tasks.upload.retrieval import search as ranked

    return ranked(settings or get_settings(), collection, query, k, mode=mode)
