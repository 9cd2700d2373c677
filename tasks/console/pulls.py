"""Pull requests: those monitored per repository, and one with its diagnoses and fixes."""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tasks.console.render import page
from tasks.github.state import load_pulls
from tasks.github.view import pull_view
from tasks.settings import REPOSITORY_PATTERN, Settings


async def listing(request: Request) -> Response:
    reference = (request.query_params.get("ref") or "").strip()
    if reference:
        repository, _, number = reference.rpartition("#")
        if not re.match(REPOSITORY_PATTERN, repository) or not number.isdecimal() or int(number) < 1:
            raise HTTPException(400, f"expected owner/name#number, got {reference!r}")
        return RedirectResponse(f"/pulls/{repository}/{int(number)}", status_code=303)
    settings: Settings = request.app.state.settings
    repositories = {
        repository: sorted(load_pulls(repository).values(), key=lambda pull: -pull.number)
        for repository in settings.github.repositories
    }
    return page(request, "pulls.html", repositories=repositories)


async def detail(request: Request) -> Response:
    repository = f"{request.path_params['owner']}/{request.path_params['name']}"
    if not re.match(REPOSITORY_PATTERN, repository):
        raise HTTPException(404, f"not a repository name: {repository!r}")
    document = pull_view(repository, int(request.path_params["number"]))
    return page(request, "pull.html", document=document)


routes = [
    Route("/pulls", listing),
    Route("/pulls/{owner}/{name}/{number:int}", detail),
]
