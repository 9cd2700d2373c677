"""`pr.priority` is never stuck behind a `pr` backlog, on a worker that consumes both queues."""

from __future__ import annotations

from collections.abc import Callable

from celery import Celery

from tests.github.fake_github import FakeGitHub
from tests.harness.workers import WorkerProcess

BACKLOG = 1000


def queue_length(app: Celery, queue: str) -> int:
    with app.connection_for_write() as connection:
        return int(connection.default_channel.client.llen(queue))


def test_priority_task_starts_before_the_backlog_drains(
    app: Celery, fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import apply_fix, monitor_repository

    fake.add_repo(repo_name)
    # Given a backlog of 1,000 polls on `pr` and a worker consuming every queue,
    with app.producer_or_acquire() as producer:
        for _ in range(BACKLOG):
            monitor_repository.apply_async(kwargs={"repository": repo_name}, producer=producer)
    github_worker(repo_name)

    # when a fix is asked for,
    fix = apply_fix.delay(repository=repo_name, number=1, strategy="rerun_failed_jobs")
    outcome = fix.get(timeout=60)
    left = queue_length(app, "pr")

    # then it has run while most of the backlog still waits.
    assert outcome["applied"] is False
    assert left >= BACKLOG // 2, f"only {left} of {BACKLOG} polls were still queued"
    assert len(fake.recorded("GET", f"/repos/{repo_name}/pulls")) <= BACKLOG - left
