"""The Starlette application: pages, middleware and error pages."""

from __future__ import annotations

import secrets
from pathlib import Path

from celery import Celery
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tasks.console import deadletters, documents, infra, overview, pulls
from tasks.console.render import page
from tasks.console.security import BasicAuth, SecurityHeaders
from tasks.settings import Settings

#: How long a session (and so its CSRF token) lasts.
SESSION_MAX_AGE_S = 8 * 3600


def create_app(celery_app: Celery, settings: Settings) -> Starlette:
    """The console over `celery_app` (replays go through its broker) and the platform `settings`."""
    console = settings.console
    session_secret = console.session_secret.get_secret_value() if console.session_secret else secrets.token_hex(32)
    app = Starlette(
        routes=[
            Route("/healthcheck", healthcheck),
            *overview.routes,
            *deadletters.routes,
            *documents.routes,
            *infra.routes,
            *pulls.routes,
            Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(BasicAuth, credentials=console.basic_auth.get_secret_value() if console.basic_auth else None),
            Middleware(
                SessionMiddleware,
                secret_key=session_secret,
                session_cookie="tasks_console",
                max_age=SESSION_MAX_AGE_S,
                same_site="strict",
            ),
        ],
        exception_handlers={HTTPException: error_page},
    )
    app.state.celery = celery_app
    app.state.settings = settings
    app.state.console = console
    return app


async def healthcheck(request: Request) -> Response:
    return PlainTextResponse("OK")


async def error_page(request: Request, error: Exception) -> Response:
    """An HTTPException as a page of the console (registered for that class only)."""
    status_code = error.status_code if isinstance(error, HTTPException) else 500
    return page(request, "error.html", status_code=status_code, error=error)
