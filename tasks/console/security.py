"""Who may use the console and how a change is asked for: basic auth, CSRF tokens, read-only mode."""

from __future__ import annotations

import base64
import binascii
import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tasks.flower import is_loopback
from tasks.settings import ConsoleSettings

#: Answered without credentials, so a container health check needs none.
PUBLIC_PATHS = frozenset({"/healthcheck"})
#: The session key and form field of the CSRF token.
CSRF_FIELD = "csrf_token"

#: Sent with every answer: no framing, no third-party anything, forms only to the console itself.
HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


def require_auth_off_loopback(address: str, console: ConsoleSettings) -> None:
    """Refuse, as Flower does here, to listen beyond loopback without basic auth."""
    if not is_loopback(address) and console.basic_auth is None:
        raise SystemExit(
            f"Refusing to start the console on {address or 'all interfaces'} without authentication: "
            "set TASKS_CONSOLE__BASIC_AUTH=user:password or bind to 127.0.0.1."
        )


class BasicAuth:
    """HTTP basic auth on every path but the health check; `credentials` is `user:password`."""

    def __init__(self, app: ASGIApp, credentials: str | None) -> None:
        self.app = app
        self.expected = credentials.encode() if credentials is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.expected is None or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        if self._accepts(dict(scope["headers"]).get(b"authorization", b"")):
            await self.app(scope, receive, send)
            return
        refusal = PlainTextResponse(
            "authentication required", status_code=401, headers={"www-authenticate": 'Basic realm="tasks console"'}
        )
        await refusal(scope, receive, send)

    def _accepts(self, header: bytes) -> bool:
        scheme, _, value = header.partition(b" ")
        if scheme.lower() != b"basic" or self.expected is None:
            return False
        try:
            given = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return secrets.compare_digest(given, self.expected)


class SecurityHeaders:
    """Adds `HEADERS` to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers += [(name.encode(), value.encode()) for name, value in HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """This session's CSRF token (created on first use; the session cookie is signed)."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


def is_read_only(request: Request) -> bool:
    console: ConsoleSettings = request.app.state.console
    return console.read_only


def refuse_if_read_only(request: Request) -> None:
    if is_read_only(request):
        raise HTTPException(403, "the console is read-only (TASKS_CONSOLE__READ_ONLY): nothing can be changed")


async def checked_form(request: Request) -> FormData:
    """The POSTed form, once the console may change things and the form's CSRF token is this session's."""
    refuse_if_read_only(request)
    form = await request.form()
    expected = request.session.get(CSRF_FIELD)
    given = form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not isinstance(given, str) or not secrets.compare_digest(given, expected):
        raise HTTPException(403, "missing or stale CSRF token: reload the page and confirm again")
    return form
