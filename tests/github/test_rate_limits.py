"""Rate limits through a real worker: a retry at the reset time, no busy loop, never a dead letter."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from tests.github.fake_github import FakeGitHub
from tests.harness.workers import WorkerProcess


@pytest.mark.parametrize(
    ("status", "refusals", "retry_after_s"),
    [(403, 1, None), (429, 3, 1)],
    ids=["primary-403-reset", "secondary-429-retry-after"],
)
def test_rate_limit_is_retried_at_the_reset_time(
    fake: FakeGitHub,
    repo_name: str,
    github_worker: Callable[..., WorkerProcess],
    status: int,
    refusals: int,
    retry_after_s: int | None,
) -> None:
    from tasks.deadletter import find_by_task_id
    from tasks.github.tasks import monitor_repository

    repo = fake.add_repo(repo_name)
    fake.add_pull(repo, 1)
    # No retry budget at all: a rate-limit retry that counted as an attempt would be dead-lettered.
    github_worker(repo_name, TASKS_RETRY__MAX_RETRIES="0")
    fake.refuse_next(refusals, status, reset_in_s=2, retry_after_s=retry_after_s, path=f"/repos/{repo_name}/")

    result = monitor_repository.delay(repository=repo_name)

    assert result.get(timeout=60) == {"repository": repo_name, "open": 1, "changed": [1]}
    polls = fake.recorded("GET", f"/repos/{repo_name}/pulls")
    assert [poll.status for poll in polls] == [status] * refusals + [200]
    for refused, following in itertools.pairwise(polls):
        headers = refused.reply_headers
        wait_s = (
            float(headers["Retry-After"])
            if "Retry-After" in headers
            else int(headers["X-RateLimit-Reset"]) - refused.at
        )
        assert following.at - refused.at >= wait_s, "retried before the limit was over"
    assert find_by_task_id(result.id) is None
