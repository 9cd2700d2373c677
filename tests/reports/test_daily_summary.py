"""The daily summary: its numbers match the metrics of the tasks sent, it is kept, shown and posted."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from celery import Celery

from tasks.metrics import snapshot
from tasks.reports.summary import latest
from tests.harness import loopback
from tests.harness.cli import celery
from tests.harness.workers import WorkerProcess, wait_for

SAMPLE_TASKS = "tests.hooks.sample_tasks"
QUEUES = ["default", "scheduled"]


class Webhook(ThreadingHTTPServer):
    """A Slack-like incoming webhook that fails the first `failures` posts with 500."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.posts: list[dict[str, Any]] = []
        self.answers: list[int] = []
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/daily"


class Handler(BaseHTTPRequestHandler):
    server: Webhook

    def do_POST(self) -> None:  # http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append(json.loads(body))
        status = 500 if len(self.server.posts) <= self.server.failures else 200
        self.server.answers.append(status)
        self.send_response(status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the test reads the recorded posts."""


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server = loopback.serve(Webhook(failures=1))
    yield server
    loopback.close(server)


def counts(name: str) -> dict[str, int]:
    from tasks import app

    stats = snapshot(app)["tasks"].get(name, {})
    return {event: int(stats.get(event, 0)) for event in ("succeeded", "failed")}


def test_the_summary_counts_what_ran_since_the_previous_one(
    app: Celery, start_worker: Callable[..., WorkerProcess]
) -> None:
    start_worker(env={"TASKS_WORKER__EXTRA_TASK_MODULES": SAMPLE_TASKS}, queues=QUEUES)
    app.send_task("reports.daily_summary").get(timeout=30)
    work_before, failure_before = counts("testing.work"), counts("testing.permanent_failure")

    for value in range(3):
        app.send_task("testing.work", kwargs={"value": value}).get(timeout=30)
    for value in range(2):
        app.send_task("testing.permanent_failure", kwargs={"value": value})
    wait_for(
        lambda: counts("testing.permanent_failure")["failed"] == failure_before["failed"] + 2,
        what="the failures counted",
    )
    report = app.send_task("reports.daily_summary").get(timeout=30)

    work, failures = counts("testing.work"), counts("testing.permanent_failure")
    assert report["tasks"]["testing.work"]["succeeded"] == work["succeeded"] - work_before["succeeded"] == 3
    assert report["tasks"]["testing.permanent_failure"]["failed"] == failures["failed"] - failure_before["failed"]
    assert report["tasks"]["testing.permanent_failure"]["failure_rate"] == 1.0
    assert report["dead_letters"]["non_retryable"] == 2
    assert latest(1)[0]["id"] == report["id"]


def test_the_cli_shows_the_latest_summary(app: Celery, worker: WorkerProcess) -> None:
    report = app.send_task("reports.daily_summary").get(timeout=30)

    shown = celery("report", "--json")
    text = celery("report")

    assert shown.returncode == 0
    assert json.loads(shown.stdout)["id"] == report["id"]
    assert text.stdout.startswith("Daily summary")


def test_the_summary_is_posted_and_a_failing_webhook_is_retried(
    app: Celery, start_worker: Callable[..., WorkerProcess], webhook: Webhook
) -> None:
    start_worker(env={"TASKS_REPORTS__WEBHOOK_URL": webhook.url}, queues=QUEUES)

    report = app.send_task("reports.daily_summary").get(timeout=30)

    wait_for(lambda: 200 in webhook.answers, timeout_s=60, what="a successful post")
    assert webhook.answers[:2] == [500, 200]
    assert all(post["text"].startswith("Daily summary") for post in webhook.posts)
    assert latest(1)[0]["id"] == report["id"]
