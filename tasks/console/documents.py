"""Documents: recent records (status, stage, progress, errors), one record, and a search of a collection."""

from __future__ import annotations

from typing import Any, Final, get_args

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tasks.console.render import page
from tasks.scrub import scrub_text
from tasks.settings import Settings
from tasks.upload import get_document
from tasks.upload.records import Status, recent_documents

#: Records listed at most.
LIMIT: Final = 200
#: Search results per query, default and bound.
DEFAULT_K: Final = 5
MAX_K: Final = 50


async def listing(request: Request) -> Response:
    status = request.query_params.get("status") or None
    if status is not None and status not in get_args(Status):
        raise HTTPException(400, f"status: expected one of {', '.join(get_args(Status))}")
    wanted = (request.query_params.get("id") or "").strip()
    if wanted:
        found = get_document(wanted)
        records = [found] if found else []
    else:
        records = recent_documents(status=status, limit=LIMIT)
    return page(
        request, "documents.html", records=records, status=status, wanted=wanted, statuses=get_args(Status), limit=LIMIT
    )


async def detail(request: Request) -> Response:
    document_id = request.path_params["document_id"]
    record = get_document(document_id)
    if record is None:
        raise HTTPException(404, f"no document {document_id!r}")
    return page(request, "document.html", record=dict(sorted(record.items())))


async def search(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    collection = (request.query_params.get("collection") or "default").strip()
    query = (request.query_params.get("q") or "").strip()
    k_text = request.query_params.get("k") or str(DEFAULT_K)
    k = min(int(k_text), MAX_K) if k_text.isdecimal() and int(k_text) > 0 else DEFAULT_K
    hits: list[dict[str, Any]] = []
    problem = None
    if query:
        from tasks.upload.retrieval import search as run_search

        try:
            hits = run_search(settings, collection, query, k)
        except Exception as error:  # shown to the operator: an unknown collection, Chroma down
            problem = scrub_text(f"{type(error).__name__}: {error}", settings.secrets())
    return page(
        request,
        "search.html",
        status_code=502 if problem else 200,
        collection=collection,
        query=query,
        k=k,
        hits=hits,
        problem=problem,
    )


routes = [
    Route("/documents", listing),
    Route("/documents/search", search),
    Route("/documents/{document_id}", detail),
]
