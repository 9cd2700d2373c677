"""The console under Starlette's TestClient, on the session's real Redis; helpers shared by its tests."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from celery import Celery
from pydantic import SecretStr
from starlette.testclient import TestClient

from tasks import deadletter
from tasks.console import create_app
from tasks.settings import ConsoleSettings, get_settings

USER, PASSWORD = "operator", "console-test-password"
AUTH_HEADER = {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}


def console_client(celery_app: Celery, **console: Any) -> TestClient:
    """A client of a console with basic auth on (and `console` settings), sending the credentials."""
    settings = get_settings().model_copy(
        update={"console": ConsoleSettings(basic_auth=SecretStr(f"{USER}:{PASSWORD}"), **console)}
    )
    return TestClient(create_app(celery_app, settings), headers=AUTH_HEADER, follow_redirects=False)


@pytest.fixture
def client(private_broker: Celery) -> TestClient:
    """Replays go to a broker of the test's own, so no worker runs the made-up tasks."""
    return console_client(private_broker)


@pytest.fixture
def task_name() -> str:
    return f"testing.console_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def dead_letter(task_name: str) -> Callable[..., dict[str, Any]]:
    """Factory: a dead letter of `task_name` (or another task), recorded as the hook records one."""

    def make(
        n: int = 0, *, task: str | None = None, reason: deadletter.Reason = "retries_exhausted", token: str = "tok-abc"
    ) -> dict[str, Any]:
        settings = get_settings()
        return deadletter.record(
            task_id=f"{task or task_name}-{n}-{uuid.uuid4().hex[:6]}",
            task=task or task_name,
            queue="default",
            args=[n],
            kwargs={"value": n, "token": token},
            reason=reason,
            exception=TimeoutError(f"upstream timed out ({n})"),
            retries=2,
            worker="w@host",
            dlq=settings.dlq,
            secrets=settings.secrets(),
        )

    return make


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def listed_ids(html: str) -> list[str]:
    return re.findall(r'data-entry-id="([0-9a-f]+)"', html)
