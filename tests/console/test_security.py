"""Who may use the console: basic auth, CSRF on every POST, read-only mode, no open start off loopback."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from celery import Celery
from pydantic import SecretStr, ValidationError
from starlette.testclient import TestClient

from tasks import deadletter
from tasks.console import create_app, require_auth_off_loopback
from tasks.settings import ConsoleSettings, get_settings
from tests.console.conftest import USER, console_client, csrf_of, running_console
from tests.harness.cli import celery
from tests.harness.services import free_port


def test_every_page_needs_the_credentials(private_broker: Celery) -> None:
    settings = get_settings().model_copy(update={"console": ConsoleSettings(basic_auth=SecretStr("ops:right"))})
    anonymous = TestClient(create_app(private_broker, settings))
    wrong = {"Authorization": "Basic " + base64.b64encode(b"ops:wrong").decode()}
    right = {"Authorization": "Basic " + base64.b64encode(b"ops:right").decode()}

    for path in ("/", "/deadletters", "/documents", "/infra", "/pulls", "/static/console.css"):
        refused = anonymous.get(path)
        assert refused.status_code == 401, path
        assert refused.headers["www-authenticate"].startswith("Basic")
    assert anonymous.get("/deadletters", headers=wrong).status_code == 401
    assert anonymous.get("/deadletters", headers={"Authorization": "Basic !!!"}).status_code == 401
    assert anonymous.get("/deadletters", headers=right).status_code == 200
    assert anonymous.get("/healthcheck").text == "OK", "the health check needs no credentials"


def test_answers_carry_protective_headers(client: TestClient) -> None:
    answer = client.get("/deadletters")

    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert "samesite=strict" in answer.headers["set-cookie"].lower()


def test_a_post_without_this_sessions_token_is_refused(
    client: TestClient, private_broker: Celery, dead_letter: Callable[..., dict[str, Any]]
) -> None:
    entry = dead_letter()
    other_session = console_client(private_broker)
    foreign = csrf_of(other_session.get(f"/deadletters/{entry['id']}/delete").text)
    client.get(f"/deadletters/{entry['id']}/delete")

    missing = client.post(f"/deadletters/{entry['id']}/delete", data={})
    stolen = client.post(f"/deadletters/{entry['id']}/delete", data={"csrf_token": foreign})
    purge = client.post("/deadletters/selection/purge", data={"csrf_token": "guess"})

    assert missing.status_code == stolen.status_code == purge.status_code == 403
    assert "CSRF token" in missing.text
    assert deadletter.get(entry["id"]) is not None


def test_read_only_refuses_every_change(private_broker: Celery, dead_letter: Callable[..., dict[str, Any]]) -> None:
    entry = dead_letter()
    writable = console_client(private_broker)
    token = csrf_of(writable.get(f"/deadletters/{entry['id']}/replay").text)
    read_only = console_client(private_broker, read_only=True)
    read_only.cookies = writable.cookies  # the same session and token: only the mode differs

    listing = read_only.get("/deadletters", params={"state": "all"})
    answers = [
        read_only.get(f"/deadletters/{entry['id']}/replay"),
        read_only.post(f"/deadletters/{entry['id']}/replay", data={"csrf_token": token}),
        read_only.post(f"/deadletters/{entry['id']}/delete", data={"csrf_token": token}),
        read_only.post("/deadletters/selection/replay", data={"csrf_token": token}),
        read_only.post("/deadletters/selection/purge", data={"csrf_token": token}),
    ]

    assert listing.status_code == 200 and 'id="read-only"' in listing.text
    assert "Purge this selection" not in listing.text and 'class="replay"' not in listing.text
    assert [answer.status_code for answer in answers] == [403] * 5
    assert "read-only" in answers[1].text
    stored = deadletter.get(entry["id"])
    assert stored is not None and stored["replayed_as"] is None


def test_off_loopback_needs_basic_auth() -> None:
    with pytest.raises(SystemExit, match="TASKS_CONSOLE__BASIC_AUTH"):
        require_auth_off_loopback("0.0.0.0", ConsoleSettings())
    require_auth_off_loopback("0.0.0.0", ConsoleSettings(basic_auth=SecretStr(f"{USER}:pw")))
    require_auth_off_loopback("127.0.0.1", ConsoleSettings())
    require_auth_off_loopback("localhost", ConsoleSettings())
    with pytest.raises(ValidationError, match="expected user:password"):
        ConsoleSettings(basic_auth=SecretStr("no-colon"))


def test_the_command_refuses_to_start_open_on_a_network(tmp_path: Path) -> None:
    by_option = celery("console", "--address", "0.0.0.0", "--port", "1", cwd=tmp_path, timeout_s=60)
    by_setting = celery("console", cwd=tmp_path, env={"TASKS_CONSOLE__ADDRESS": "0.0.0.0"}, timeout_s=60)

    for result in (by_option, by_setting):
        assert result.returncode != 0
        assert "Refusing to start the console on 0.0.0.0 without authentication" in result.stderr


def test_the_command_line_wins_over_the_settings(run_dir: Path) -> None:
    by_setting, by_option = free_port(), free_port()

    with running_console(run_dir, TASKS_CONSOLE__PORT=str(by_setting)):
        assert httpx.get(f"http://127.0.0.1:{by_setting}/healthcheck", timeout=5).text == "OK"
    with running_console(run_dir, "--port", str(by_option), TASKS_CONSOLE__PORT=str(by_setting)):
        assert httpx.get(f"http://127.0.0.1:{by_option}/healthcheck", timeout=5).text == "OK"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{by_setting}/healthcheck", timeout=5)
