"""Dead letters: a filtered, paged list; one entry; replay, delete and purge behind a confirmation."""

from __future__ import annotations

from typing import Any, Final

from celery import Celery
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tasks import deadletter
from tasks.console.filters import BadFilter, Filters
from tasks.console.render import flash, page
from tasks.console.security import checked_form, refuse_if_read_only
from tasks.redaction import redact, redact_text
from tasks.settings import Settings

#: Entries per page of the list.
PAGE_SIZE: Final = 50
#: Entries one selection action touches at most (newest first); the rest wait for the next.
SELECTION_MAX: Final = 5000
#: Entries of a selection listed on its confirmation page.
PREVIEW_SIZE: Final = 10
#: What can be done to one entry, and to a selection.
ONE_ACTIONS: Final = ("replay", "delete")
SELECTION_ACTIONS: Final = ("replay", "purge")


async def listing(request: Request) -> Response:
    filters, problem = _filters(request.query_params)
    number = _page_number(request.query_params.get("page"))
    entries = deadletter.list_entries(**filters.store_query(), offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    return page(
        request,
        "deadletters.html",
        status_code=400 if problem else 200,
        filters=filters,
        problem=problem,
        entries=entries[:PAGE_SIZE],
        page_number=number,
        has_next=len(entries) > PAGE_SIZE,
        reasons=deadletter.REASONS,
        task_names=sorted(deadletter.counts_by_task()),
    )


async def detail(request: Request) -> Response:
    entry = _entry(request)
    settings: Settings = request.app.state.settings
    secrets = settings.secrets()
    # Stored redacted already; masked again with today's secrets, in case one was added since.
    shown = {
        **entry,
        "args": redact(entry["args"], secrets),
        "kwargs": redact(entry["kwargs"], secrets),
        "exception_message": redact_text(entry["exception_message"], secrets),
        "traceback": redact_text(entry["traceback"], secrets),
    }
    replay_state = None
    if entry["replayed_as"]:
        celery_app: Celery = request.app.state.celery
        replay_state = celery_app.AsyncResult(entry["replayed_as"]).state
    return page(request, "deadletter.html", entry=shown, attempts=int(entry["retries"]) + 1, replay_state=replay_state)


async def confirm_one(request: Request) -> Response:
    refuse_if_read_only(request)
    action = _action(request, ONE_ACTIONS)
    return page(request, "confirm_one.html", entry=_entry(request), action=action)


async def act_on_one(request: Request) -> Response:
    form = await checked_form(request)
    action = _action(request, ONE_ACTIONS)
    entry_id = request.path_params["entry_id"]
    if action == "replay":
        celery_app: Celery = request.app.state.celery
        try:
            new_id = deadletter.replay(celery_app, entry_id, force=form.get("force") == "yes")
        except deadletter.AlreadyReplayed as error:
            message = f"{entry_id} was already replayed as {error.replayed_as}: confirm again from its page to resend"
            flash(request, message, "error")
            return _back_to_list(request, form)
        except deadletter.DeadLetterError as error:
            flash(request, str(error), "error")
            return _back_to_list(request, form)
        flash(request, f"Replayed {entry_id} as task {new_id}.", "success")
    elif deadletter.delete([entry_id]):
        flash(request, f"Deleted {entry_id}.", "success")
    else:
        flash(request, f"No dead letter with id {entry_id!r} (already deleted or expired).", "error")
    return _back_to_list(request, form)


async def confirm_selection(request: Request) -> Response:
    refuse_if_read_only(request)
    action = _action(request, SELECTION_ACTIONS)
    filters = _valid_filters(request.query_params)
    entries = _selection(filters, action)
    return page(
        request,
        "confirm_selection.html",
        action=action,
        filters=filters,
        count=len(entries),
        limit=SELECTION_MAX,
        preview=entries[:PREVIEW_SIZE],
    )


async def act_on_selection(request: Request) -> Response:
    form = await checked_form(request)
    action = _action(request, SELECTION_ACTIONS)
    filters = _valid_filters(form)
    entries = _selection(filters, action)
    if action == "purge":
        removed = deadletter.delete(entry["id"] for entry in entries)
        flash(request, f"Purged {removed} dead letter(s) ({filters.describe() or 'everything'}).", "success")
        return _back_to_list(request, form)
    celery_app: Celery = request.app.state.celery
    replayed, skipped = 0, 0
    for entry in entries:
        try:
            deadletter.replay(celery_app, entry["id"])
        except (deadletter.AlreadyReplayed, deadletter.EntryNotFound):
            skipped += 1  # replayed or deleted by someone else since the selection was read
            continue
        replayed += 1
    flash(request, f"Replayed {replayed} dead letter(s); {skipped} skipped (replayed or gone meanwhile).", "success")
    return _back_to_list(request, form)


def _selection(filters: Filters, action: str) -> list[dict[str, Any]]:
    query = filters.store_query()
    if action == "replay":
        # A selection replay sends only what was not sent again yet, as `dlq replay --all` does.
        query["replayed"] = False
    return deadletter.list_entries(**query, limit=SELECTION_MAX)


def _entry(request: Request) -> dict[str, Any]:
    entry_id = request.path_params["entry_id"]
    entry = deadletter.get(entry_id)
    if entry is None:
        raise HTTPException(404, f"no dead letter with id {entry_id!r}")
    return entry


def _action(request: Request, known: tuple[str, ...]) -> str:
    action: str = request.path_params["action"]
    if action not in known:
        raise HTTPException(404, f"no action {action!r} here")
    return action


def _filters(values: Any) -> tuple[Filters, str | None]:
    try:
        return Filters.parse(values), None
    except BadFilter as error:
        return Filters(), str(error)


def _valid_filters(values: Any) -> Filters:
    try:
        return Filters.parse(values)
    except BadFilter as error:
        raise HTTPException(400, str(error)) from None


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isdecimal() and int(text) > 0 else 1


def _back_to_list(request: Request, form: FormData) -> Response:
    """To the list the action was asked from, its filters kept (built here, never a URL from the form)."""
    filters, _ = _filters(form)
    return RedirectResponse(f"/deadletters?{filters.query()}", status_code=303)


routes = [
    Route("/deadletters", listing),
    Route("/deadletters/selection/{action}", confirm_selection),
    Route("/deadletters/selection/{action}", act_on_selection, methods=["POST"]),
    Route("/deadletters/{entry_id}", detail),
    Route("/deadletters/{entry_id}/{action}", confirm_one),
    Route("/deadletters/{entry_id}/{action}", act_on_one, methods=["POST"]),
]
