"""Heads that move: a push or force-push after the monitor remembered one, vanished SHAs, caches skipped."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tasks.github.client import GitHubClient
from tests.github.fake_github import FakeGitHub, FakeRepo
from tests.harness.workers import WorkerProcess, wait_for


def monitored(fake: FakeGitHub, repo_name: str, head: str) -> None:
    """Let the monitor see (and remember) the pull requests, and wait for its check of `head`."""
    from tasks.github.tasks import monitor_repository

    monitor_repository.delay(repository=repo_name).get(timeout=30)
    wait_for(lambda: fake.recorded("GET", f"/repos/{repo_name}/commits/{head}/status"), what="monitor's check")


def check_runs_read(fake: FakeGitHub, repo_name: str) -> list[tuple[str, int]]:
    reads = fake.recorded("GET", rf"/repos/{repo_name}/commits/\w+/check-runs")
    return [(r.path.split("/")[5], r.status) for r in reads]


def test_a_push_after_the_monitor_remembered_the_head_reports_the_new_head(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github import state
    from tasks.github.tasks import check_pull_request

    repo = fake.add_repo(repo_name)
    old = fake.add_pull(repo, 1)
    fake.add_check_run(repo, old, "tests", "success")
    github_worker(repo_name)
    monitored(fake, repo_name, old)
    assert state.load_pulls(repo_name)[1].head_sha == old

    new = fake.push_to_pull(repo, 1, {"app.py": "print('v2')\n"})
    failed = fake.add_check_run(repo, new, "lint", "failure")
    fake.clear()
    result = check_pull_request.delay(repository=repo_name, number=1).get(timeout=30)

    assert result["head_sha"] == new and result["state"] == "failure" and result["failed_check_runs"] == [failed]
    assert check_runs_read(fake, repo_name) == [(new, 200)]
    remembered = state.load_pulls(repo_name)[1]
    assert remembered.head_sha == new and remembered.checked_sha == new and remembered.checked_state == "failure"


def test_a_force_push_back_to_an_older_sha_is_followed(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import check_pull_request

    repo = fake.add_repo(repo_name)
    older = fake.add_pull(repo, 2)
    older_run = fake.add_check_run(repo, older, "tests", "timed_out")
    newer = fake.push_to_pull(repo, 2, {"app.py": "print('v2')\n"})
    fake.add_check_run(repo, newer, "tests", "success")
    github_worker(repo_name)
    monitored(fake, repo_name, newer)

    fake.force_push(repo, 2, older)
    fake.clear()
    result = check_pull_request.delay(repository=repo_name, number=2).get(timeout=30)

    assert result["head_sha"] == older and result["failed_check_runs"] == [older_run]
    assert check_runs_read(fake, repo_name) == [(older, 200)]


def test_a_vanished_sha_is_a_moved_head_not_a_failure(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.deadletter import find_by_task_id
    from tasks.github import state
    from tasks.github.tasks import check_pull_request

    repo = fake.add_repo(repo_name)
    first = fake.add_pull(repo, 3)
    second = fake.push_to_pull(repo, 3, {"app.py": "print('v2')\n"})
    fake.add_check_run(repo, second, "tests", "success")
    github_worker(repo_name)
    monitored(fake, repo_name, second)

    # The monitor's queued check names `second`; a force-push removed it before the check ran.
    fake.force_push(repo, 3, first)
    fake.add_check_run(repo, first, "tests", "success")
    fake.clear()
    result = check_pull_request.delay(repository=repo_name, number=3, head_sha=second)

    assert result.get(timeout=30)["head_sha"] == first and result.get()["state"] == "success"
    assert check_runs_read(fake, repo_name) == [(second, 422), (first, 200)]
    (reread,) = fake.recorded("GET", f"/repos/{repo_name}/pulls/3")
    assert reread.status == 200 and not reread.if_none_match
    assert find_by_task_id(result.id) is None
    assert state.load_pulls(repo_name)[3].head_sha == first


def test_a_head_that_moves_during_the_reread_is_followed_a_bounded_number_of_times(
    fake: FakeGitHub, repo_name: str, client: GitHubClient
) -> None:
    from tasks.errors import RetryableError
    from tasks.github import heads, monitor

    repo = fake.add_repo(repo_name)
    gone = fake.add_pull(repo, 4)
    fake.vanish(repo, gone)
    moves = iter(range(1, 10))

    def push_and_vanish() -> None:
        # Each time the pull request is read, its head is force-pushed away before it can be read.
        fake.force_push(repo, 4, repo.commit_files({"n": str(next(moves))}, gone))

    fake.after("GET", f"/repos/{repo_name}/pulls/4", push_and_vanish)

    with pytest.raises(heads.HeadMoving) as moving:
        monitor.check_pull_request(client, repo_name, 4, gone)

    assert isinstance(moving.value, RetryableError)
    assert len(fake.recorded("GET", f"/repos/{repo_name}/pulls/4")) == heads.MAX_REREADS
    assert [status for _, status in check_runs_read(fake, repo_name)] == [422] * (heads.MAX_REREADS + 1)

    # Once the head stops moving, the next attempt reads it.
    fake.hooks.clear()
    assert monitor.check_pull_request(client, repo_name, 4, gone).head_sha == repo.pulls[4]["head"]["sha"]


def primed(fake: FakeGitHub, repo: FakeRepo, number: int) -> str:
    head = fake.add_pull(repo, number)
    fake.add_check_run(repo, head, "tests", "success")
    repo.statuses[head] = [{"context": "ci", "state": "success"}]
    return head


def test_304s_cost_no_rate_limit_and_force_refresh_sends_no_etag(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import check_pull_request

    repo = fake.add_repo(repo_name)
    head = primed(fake, repo, 5)
    github_worker(repo_name)
    expected = {"repository": repo_name, "number": 5, "head_sha": head, "state": "success", "failed_check_runs": []}
    assert check_pull_request.delay(repository=repo_name, number=5).get(timeout=30) == expected

    # Unchanged: the head is confirmed, and the checks read, by three conditional requests answered 304.
    fake.clear()
    remaining = fake.rate_remaining
    assert check_pull_request.delay(repository=repo_name, number=5).get(timeout=30) == expected
    assert len(fake.recorded()) == len(fake.conditional()) == len(fake.not_modified()) == 3
    assert fake.rate_remaining == remaining and fake.counted() == 0

    # force_refresh: the same three reads, none conditional, each counted.
    fake.clear()
    assert check_pull_request.delay(repository=repo_name, number=5, force_refresh=True).get(timeout=30) == expected
    assert [r.path for r in fake.recorded()] == [
        f"/repos/{repo_name}/pulls/5",
        f"/repos/{repo_name}/commits/{head}/check-runs",
        f"/repos/{repo_name}/commits/{head}/status",
    ]
    assert fake.conditional() == [] and fake.not_modified() == []
    assert fake.rate_remaining == remaining - 3 and fake.counted() == 3


def test_force_refresh_skips_a_kept_body_that_a_304_would_stand_for(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    import json

    from tasks.github import etags
    from tasks.github.tasks import check_pull_request

    repo = fake.add_repo(repo_name)
    head = primed(fake, repo, 6)
    github_worker(repo_name)
    assert check_pull_request.delay(repository=repo_name, number=6).get(timeout=30)["head_sha"] == head

    # The kept body of the pull request is made to name another head; GitHub still answers 304 to its ETag.
    url = f"{fake.url}/repos/{repo_name}/pulls/6"
    kept = etags.load(url)
    assert kept is not None
    body = json.loads(kept.body)
    body["head"]["sha"] = "0" * 40
    etags.store(url, etags.Cached(etag=kept.etag, body=json.dumps(body), link=kept.link))
    assert check_pull_request.delay(repository=repo_name, number=6).get(timeout=30)["head_sha"] == "0" * 40

    fake.clear()
    refreshed = check_pull_request.delay(repository=repo_name, number=6, force_refresh=True).get(timeout=30)
    assert refreshed["head_sha"] == head
    assert fake.conditional() == []
    # The fresh answer replaced the kept one.
    assert check_pull_request.delay(repository=repo_name, number=6).get(timeout=30)["head_sha"] == head


def test_rerun_failed_jobs_uses_the_confirmed_head_and_follows_a_force_push(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    old = fake.add_pull(repo, 7)
    fake.add_check_run(repo, old, "deploy", "timed_out")
    new = fake.push_to_pull(repo, 7, {"app.py": "print('v2')\n"})
    fake.add_check_run(repo, new, "deploy", "cancelled")
    (new_run,) = [run["id"] for run in repo.workflow_runs.values() if run["head_sha"] == new]
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true")

    result = apply_fix.delay(repository=repo_name, number=7, strategy="rerun_failed_jobs").get(timeout=30)
    assert result["applied"] is True and repo.reruns == [new_run]

    # The pull request is confirmed unchanged (304), then force-pushed before its runs are listed.
    newest = repo.commit_files({"app.py": "print('v3')\n"}, old)
    fake.add_check_run(repo, newest, "deploy", "failure")
    (newest_run,) = [run["id"] for run in repo.workflow_runs.values() if run["head_sha"] == newest]
    fake.after("GET", f"/repos/{repo_name}/pulls/7", lambda: fake.force_push(repo, 7, newest))
    fake.clear()

    result = apply_fix.delay(repository=repo_name, number=7, strategy="rerun_failed_jobs").get(timeout=30)

    assert result["applied"] is True and repo.reruns == [new_run, newest_run]
    pulls = fake.recorded("GET", f"/repos/{repo_name}/pulls/7")
    assert [(r.status, bool(r.if_none_match)) for r in pulls] == [(304, True), (200, False)]
    listed = fake.recorded("GET", f"/repos/{repo_name}/actions/runs")
    assert [(r.query["head_sha"], r.status) for r in listed] == [(new, 422), (newest, 200)]
