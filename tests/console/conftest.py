"""The console under Starlette's TestClient, on the session's real Redis; helpers shared by its tests."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from celery import Celery
from pydantic import SecretStr
from starlette.testclient import TestClient

from tasks import deadletter
from tasks.console import create_app
from tasks.settings import ConsoleSettings, get_settings
from tests.harness.workers import wait_for

USER, PASSWORD = "operator", "console-test-password"
AUTH_HEADER = {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}


@contextmanager
def running_console(run_dir: Path, *args: str, **env: str) -> Iterator[int]:
    """`celery -A tasks console ARGS` as a process with `env` added, until it answers; yields its pid."""
    log = run_dir / f"console-{uuid.uuid4().hex[:8]}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks", "console", *args],
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    port = args[args.index("--port") + 1] if "--port" in args else env["TASKS_CONSOLE__PORT"]

    def answering() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthcheck", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(answering, timeout_s=60, what="the console answering")
        yield process.pid
    finally:
        process.terminate()
        process.wait(20)


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
