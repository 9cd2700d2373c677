"""Infrastructure: each environment's last run, its health, and its event history."""

from __future__ import annotations

from typing import Any, Final, get_args

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tasks.console.render import page
from tasks.infra.probes import health_view
from tasks.infra.status import events_key, get_status
from tasks.redis_client import get_redis
from tasks.settings import Environment

ENVIRONMENTS: Final = get_args(Environment)
#: Events shown per environment, newest first.
EVENTS_SHOWN: Final = 200


def environment_view(environment: str) -> dict[str, Any]:
    """What `infra status` prints: the last execution result (or idle) and the health verdict."""
    record = get_status(environment) or {"environment": environment, "status": "idle"}
    view = health_view(environment)
    return {**record, "health": {"status": view.status, "message": view.message}}


def events(environment: str, count: int) -> list[dict[str, Any]]:
    """The environment's transitions, newest first (the stream `infra ensure --wait` follows)."""
    entries: list[Any] = get_redis().xrevrange(events_key(environment), count=count) or []
    return [{"id": str(entry_id), **dict(fields)} for entry_id, fields in entries]


async def summary(request: Request) -> Response:
    environments = [{**environment_view(name), "events": events(name, 5)} for name in ENVIRONMENTS]
    return page(request, "infra.html", environments=environments)


async def detail(request: Request) -> Response:
    environment = request.path_params["environment"]
    if environment not in ENVIRONMENTS:
        raise HTTPException(404, f"no environment {environment!r}; known: {', '.join(ENVIRONMENTS)}")
    return page(
        request,
        "infra_environment.html",
        environment=environment_view(environment),
        events=events(environment, EVENTS_SHOWN),
    )


routes = [Route("/infra", summary), Route("/infra/{environment}", detail)]
