"""Webhooks: signatures, the ASGI app served by uvicorn on loopback, and `pr.handle_webhook` in a worker."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from celery import Celery
from pydantic import SecretStr

from tests.github.fake_github import FakeGitHub
from tests.harness.services import free_port
from tests.harness.workers import WorkerProcess, wait_for

SECRET = "webhook-secret-for-tests"
MAX_BODY_BYTES = 65_536


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_verify_signature() -> None:
    from tasks.github.webhooks import verify_signature

    body = b'{"zen": "Keep it logically awesome."}'
    assert verify_signature(SECRET, body, sign(body))
    assert not verify_signature(SECRET, body + b" ", sign(body))
    assert not verify_signature(SECRET, body, sign(body, "other-secret"))
    assert not verify_signature(SECRET, body, sign(body).removeprefix("sha256="))
    assert not verify_signature(SECRET, body, None)
    assert not verify_signature("", body, sign(body, ""))
    assert not verify_signature(SECRET, body, "sha256=ünïcode")


@pytest.fixture
def webhook_url(app: Celery) -> Iterator[str]:
    """The ASGI app under uvicorn on a loopback port, with the test's webhook secret."""
    from tasks.github.webhooks import create_app

    settings = app.settings.github.model_copy(
        update={"webhook_secret": SecretStr(SECRET), "webhook_max_body_bytes": MAX_BODY_BYTES}
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, timeout_s=10, what="uvicorn started")
    yield f"http://127.0.0.1:{port}/webhook"
    server.should_exit = True
    thread.join(10)


def deliver(url: str, event: str, payload: Any, delivery: str, signature: str | None = None) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json"}
    headers["X-Hub-Signature-256"] = signature if signature is not None else sign(body)
    return httpx.post(url, content=body, headers=headers, timeout=10)


def pr_queue_length(app: Celery) -> int:
    with app.connection_for_write() as connection:
        return int(connection.default_channel.client.llen("pr"))


@pytest.mark.usefixtures("session_worker_paused")
def test_bad_signatures_are_refused_before_parsing(app: Celery, webhook_url: str) -> None:
    app.control.purge()

    unsigned = deliver(webhook_url, "pull_request", b"{not json", "d-unsigned", signature="")
    forged = deliver(webhook_url, "pull_request", b"{not json", "d-forged", signature=sign(b"{}", "guess"))
    not_json = deliver(webhook_url, "pull_request", b"{not json", "d-not-json")

    assert unsigned.status_code == 401 and forged.status_code == 401
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
    assert pr_queue_length(app) == 0


def pull_request_payload(repository: str, number: int, head_sha: str, action: str) -> dict[str, Any]:
    return {
        "action": action,
        "number": number,
        "repository": {"full_name": repository},
        "pull_request": {"number": number, "head": {"sha": head_sha, "ref": f"pr-{number}"}, "updated_at": "now"},
        "sender": {"login": "octocat"},
    }


def test_signed_deliveries_are_handled_once(
    app: Celery,
    fake: FakeGitHub,
    repo_name: str,
    github_worker: Callable[..., WorkerProcess],
    webhook_url: str,
) -> None:
    from tasks.github import state

    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 11)
    failed = fake.add_check_run(repo, head, "lint", None, output={"title": "x", "summary": "", "text": ""})
    github_worker(repo_name)

    def handled(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 202, response.text
        result: dict[str, Any] = app.AsyncResult(response.json()["task_id"]).get(timeout=30)
        return result

    opened = handled(deliver(webhook_url, "pull_request", pull_request_payload(repo_name, 11, head, "opened"), "d-1"))
    again = handled(deliver(webhook_url, "pull_request", pull_request_payload(repo_name, 11, head, "reopened"), "d-1"))
    # The run fails after the pull request was checked: the check_run event brings the analysis.
    wait_for(lambda: fake.recorded("GET", f"/repos/{repo_name}/commits/{head}/status"), what="pull request checked")
    repo.check_runs[failed].update(status="completed", conclusion="failure")
    check_run = {
        "action": "completed",
        "repository": {"full_name": repo_name},
        "check_run": {"id": failed, "head_sha": head, "conclusion": "failure", "pull_requests": [{"number": 11}]},
    }
    completed = handled(deliver(webhook_url, "check_run", check_run, "d-2"))
    ignored = handled(
        deliver(webhook_url, "issues", {"action": "opened", "repository": {"full_name": repo_name}}, "d-3")
    )

    assert opened["handled"] is True and opened["queued"] == ["pr.check_pull_request"]
    assert again["handled"] is False and again["queued"] == []
    assert completed["handled"] is True and completed["queued"] == ["pr.analyze_check_failure"]
    assert ignored == {"handled": False, "queued": [], "reason": "event 'issues' is not handled"}
    wait_for(lambda: fake.recorded("GET", f"/repos/{repo_name}/check-runs/{failed}"), what="analysis of the run")
    time.sleep(1)
    assert len(fake.recorded("GET", f"/repos/{repo_name}/commits/{head}/check-runs")) == 1

    closed = handled(deliver(webhook_url, "pull_request", pull_request_payload(repo_name, 11, head, "closed"), "d-4"))
    assert closed["handled"] is True and closed["queued"] == []
    assert state.load_pull(repo_name, 11) is None


def raw_request(url: str, head: bytes, body_parts: Iterator[bytes]) -> bytes:
    """Send a request's head and body parts on a plain socket, then the status line of the answer.

    The body is never finished: an answer proves the server did not wait to read all of it.
    """
    address = httpx.URL(url)
    with socket.create_connection((address.host, address.port or 80), timeout=10) as connection:
        connection.sendall(head)
        try:
            for part in body_parts:
                connection.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            # Expected: the app answers 413 and closes before the oversized body is all sent.
            pass
        answer = connection.recv(65_536)
    return answer.split(b"\r\n", 1)[0]


def request_head(url: str, body_headers: str) -> bytes:
    headers = "X-GitHub-Event: pull_request\r\nX-GitHub-Delivery: d-big\r\nX-Hub-Signature-256: sha256=00\r\n"
    return f"POST /webhook HTTP/1.1\r\nHost: {httpx.URL(url).host}\r\n{headers}{body_headers}\r\n".encode()


@pytest.mark.usefixtures("session_worker_paused")
def test_oversized_bodies_are_refused_before_they_are_read(app: Celery, webhook_url: str) -> None:
    app.control.purge()

    # Given a Content-Length over the limit and no body sent at all,
    declared = raw_request(webhook_url, request_head(webhook_url, "Content-Length: 1000000000\r\n"), iter(()))
    # and a chunked body (no Content-Length) that passes the limit and never ends,
    chunk = b"x" * 8192
    parts = (b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_BODY_BYTES // len(chunk) + 1))
    streamed = raw_request(webhook_url, request_head(webhook_url, "Transfer-Encoding: chunked\r\n"), parts)
    # while a signed chunked body under the limit is taken.
    body = json.dumps({"action": "opened", "padding": "p" * 30_000}).encode()
    headers = {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d-chunked", "X-Hub-Signature-256": sign(body)}
    chunked = httpx.post(webhook_url, content=iter([body[:20_000], body[20_000:]]), headers=headers, timeout=10)

    assert declared == b"HTTP/1.1 413 Request Entity Too Large"
    assert streamed == b"HTTP/1.1 413 Request Entity Too Large"
    assert chunked.status_code == 202, chunked.text
    assert pr_queue_length(app) == 1
    app.control.purge()


@pytest.mark.usefixtures("session_worker_paused")
def test_a_replayed_body_is_not_queued_again_under_a_new_delivery_id(app: Celery, webhook_url: str) -> None:
    from tasks.github import state
    from tasks.redis_client import get_redis

    app.control.purge()
    payload = pull_request_payload(f"acme/replay-{uuid.uuid4().hex[:8]}", 3, "b" * 40, "opened")
    body = json.dumps(payload).encode()

    first = deliver(webhook_url, "pull_request", body, "d-original")
    replays = [deliver(webhook_url, "pull_request", body, f"d-replay-{n}") for n in range(3)]
    ttl_s = get_redis().ttl(state.body_key(hashlib.sha256(body).hexdigest()))

    assert first.status_code == 202
    assert [r.status_code for r in replays] == [200] * 3
    assert all(r.json()["duplicate"] is True for r in replays)
    assert pr_queue_length(app) == 1
    assert 0 < ttl_s <= 7 * 86_400
    app.control.purge()
