"""Pages from the Jinja2 templates, with what every page shows: navigation, messages, the CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from tasks.console.security import csrf_token, is_read_only

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

#: The navigation bar: path, label.
NAVIGATION = (
    ("/", "Overview"),
    ("/deadletters", "Dead letters"),
    ("/documents", "Documents"),
    ("/infra", "Infrastructure"),
    ("/pulls", "Pull requests"),
)


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "navigation": NAVIGATION,
            "csrf_token": csrf_token(request),
            "read_only": is_read_only(request),
            "messages": request.session.pop("messages", []),
            **context,
        },
        status_code=status_code,
    )


def flash(request: Request, text: str, kind: str = "info") -> None:
    """A message shown once, on the next page this session renders."""
    request.session["messages"] = [*request.session.get("messages", []), {"kind": kind, "text": text}]
