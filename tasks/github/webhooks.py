"""GitHub webhooks: signature check, a dispatch any web framework can call, and a minimal ASGI app.

Run the app with `uvicorn tasks.github.webhooks:app --host 0.0.0.0 --port 8080` (it takes
the settings of the platform app it queues on); point the GitHub webhook (content type
`application/json`) at it, with the secret of `TASKS_GITHUB__WEBHOOK_SECRET`. It answers
413 to a body larger than TASKS_GITHUB__WEBHOOK_MAX_BODY_BYTES (by its Content-Length
before reading, or by counting a chunked body as it arrives), 401 to a bad signature
(before parsing the body), 400 to a body that is not a JSON object or lacks the event
headers, 200 to a signed body already accepted (whatever its delivery id: the id is not
signed), and 202 once `pr.handle_webhook` is queued.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tasks.github import state
from tasks.github.tasks import handle_webhook
from tasks.settings import GitHubSettings

SIGNATURE_HEADER = "x-hub-signature-256"
EVENT_HEADER = "x-github-event"
DELIVERY_HEADER = "x-github-delivery"


def verify_signature(secret: str | bytes, body: bytes, signature_header: str | None) -> bool:
    """True when `X-Hub-Signature-256` is `sha256=<HMAC-SHA256 of body>`; compared in constant time."""
    if not secret or not signature_header or not signature_header.startswith("sha256="):
        return False
    key = secret.encode() if isinstance(secret, str) else secret
    expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature_header.encode("utf-8", errors="replace"))


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


def dispatch(
    headers: Mapping[str, str], body: bytes, settings: GitHubSettings, *, secret: str | None = None
) -> WebhookResponse:
    """Verify a delivery, then queue `pr.handle_webhook`; the answer to give GitHub.

    `headers` are the request's (any case); `secret` defaults to the settings' `webhook_secret`.
    """
    if secret is None:
        configured = settings.webhook_secret
        secret = configured.get_secret_value() if configured is not None else None
    if not secret:
        return WebhookResponse(503, {"error": "TASKS_GITHUB__WEBHOOK_SECRET is not set: deliveries are refused"})
    if len(body) > settings.webhook_max_body_bytes:
        return _too_large(settings.webhook_max_body_bytes)
    lowered = {name.lower(): value for name, value in headers.items()}
    if not verify_signature(secret, body, lowered.get(SIGNATURE_HEADER)):
        return WebhookResponse(401, {"error": "bad or missing X-Hub-Signature-256"})
    event, delivery_id = lowered.get(EVENT_HEADER), lowered.get(DELIVERY_HEADER)
    if not event or not delivery_id:
        return WebhookResponse(400, {"error": "X-GitHub-Event and X-GitHub-Delivery are required"})
    try:
        payload = json.loads(body)
    except ValueError:
        return WebhookResponse(400, {"error": "the body is not JSON"})
    if not isinstance(payload, dict):
        return WebhookResponse(400, {"error": "the body is not a JSON object"})
    digest = hashlib.sha256(body).hexdigest()
    if not state.claim_body(digest, settings.webhook_dedupe_ttl_s):
        return WebhookResponse(200, {"duplicate": True, "reason": "this signed body was already delivered"})
    kwargs = {"event": event, "delivery_id": delivery_id, "payload": payload, "body_sha256": digest}
    try:
        queued = handle_webhook.apply_async(kwargs=kwargs)
    except BaseException:
        state.release_body(digest)
        raise
    return WebhookResponse(202, {"queued": handle_webhook.name, "task_id": queued.id})


def _too_large(limit: int) -> WebhookResponse:
    return WebhookResponse(413, {"error": f"the body is larger than TASKS_GITHUB__WEBHOOK_MAX_BODY_BYTES ({limit})"})


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks: list[bytes] = []
    size = 0
    # Counted as it arrives: a chunked body has no Content-Length to check first.
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(settings: GitHubSettings) -> Starlette:
    """The ASGI receiver of `dispatch`, at `/` and `/webhook`, for these settings."""
    limit = settings.webhook_max_body_bytes

    async def receive(request: Request) -> JSONResponse:
        body = await read_body(request, limit)
        if body is None:
            answer = _too_large(limit)
        else:
            # Publishing to the broker blocks: keep it off the event loop.
            answer = await run_in_threadpool(dispatch, dict(request.headers), body, settings)
        return JSONResponse(answer.body, status_code=answer.status)

    return Starlette(routes=[Route("/", receive, methods=["POST"]), Route("/webhook", receive, methods=["POST"])])


#: The web process's edge: the settings the platform app read, which `pr.handle_webhook` is queued on.
app = create_app(handle_webhook.settings.github)
