"""Monitoring through a real worker against the fake GitHub: changes, 304s, analyses, the comment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.github.fake_github import FakeGitHub
from tests.harness.workers import WorkerProcess, wait_for

LOGS = Path(__file__).parent / "logs"


def test_monitor_finds_new_and_changed_pulls_and_polls_with_304(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github import state
    from tasks.github.tasks import monitor_all, monitor_repository

    repo = fake.add_repo(repo_name)
    first = fake.add_pull(repo, 1)
    second = fake.add_pull(repo, 2)
    github_worker(repo_name)

    # When the repository is polled for the first time, both pull requests are new.
    assert monitor_all.delay().get(timeout=30) == {"repositories": [repo_name], "queued": 1}
    wait_for(lambda: len(fake.recorded("GET", rf"/repos/{repo_name}/commits/\w+/status")) == 2, what="both checked")
    checked = {r.path.split("/")[5] for r in fake.recorded("GET", r".*/check-runs")}
    assert checked == {first, second}

    # Then an unchanged poll is a 304 and reports nothing.
    fake.clear()
    assert monitor_repository.delay(repository=repo_name).get(timeout=30) == {
        "repository": repo_name,
        "open": 2,
        "changed": [],
    }
    (poll,) = fake.recorded(path=f"/repos/{repo_name}/.*")
    assert poll.path == f"/repos/{repo_name}/pulls" and poll.status == 304 and poll.if_none_match

    # A push to #1 and closing #2: #1 is changed, #2 forgotten.
    pushed = fake.push_to_pull(repo, 1, {"app.py": "print('v2')\n"})
    repo.pulls[2]["state"] = "closed"
    result = monitor_repository.delay(repository=repo_name).get(timeout=30)
    assert result == {"repository": repo_name, "open": 1, "changed": [1]}
    wait_for(lambda: fake.recorded("GET", f"/repos/{repo_name}/commits/{pushed}/check-runs"), what="new head checked")
    assert set(state.load_pulls(repo_name)) == {1}


def test_failed_check_runs_are_analysed_once_into_one_comment(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.comments import MARKER
    from tasks.github.tasks import analyze_check_failure, check_pull_request

    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 7)
    lint = fake.add_check_run(repo, head, "lint", "failure", log=(LOGS / "ruff_check.log").read_text())
    fake.add_check_run(repo, head, "build", "success", log="ok")
    github_worker(repo_name)

    result = check_pull_request.delay(repository=repo_name, number=7).get(timeout=30)

    assert result == {
        "repository": repo_name,
        "number": 7,
        "head_sha": head,
        "state": "failure",
        "failed_check_runs": [lint],
    }
    wait_for(lambda: fake.recorded("POST", rf"/repos/{repo_name}/issues/7/comments"), what="summary comment")
    (comment,) = repo.comments.values()
    assert MARKER in comment["body"] and "`lint`" in comment["body"] and "app.py:1:" in comment["body"]

    # A second failed run on the same head: analysed, and the same comment is edited.
    tests = fake.add_check_run(repo, head, "tests", "failure", log=(LOGS / "pytest.log").read_text())
    analysis = analyze_check_failure.delay(repository=repo_name, check_run_id=tests).get(timeout=30)

    assert analysis["category"] == "test" and analysis["fix_strategy"] == "none"
    assert {"file": "test_calc.py", "line": 5} in [{k: e[k] for k in ("file", "line")} for e in analysis["errors"]]
    assert set(analysis) == {"category", "summary", "confidence", "errors", "fix_strategy", "repair"}
    assert analysis["repair"] == {"strategy": None, "queued": False, "reason": "no automatic repair fits this failure"}
    assert 0 <= analysis["confidence"] <= 1
    assert len(repo.comments) == 1
    (edited,) = repo.comments.values()
    assert "`lint`" in edited["body"] and "`test`" in edited["body"]
    assert len(fake.recorded("PATCH", rf"/repos/{repo_name}/issues/comments/\d+")) == 1

    # Checking the pull request again does not analyse the failed runs again.
    check_pull_request.delay(repository=repo_name, number=7).get(timeout=30)
    assert len(fake.recorded("GET", f"/repos/{repo_name}/check-runs/{lint}")) == 1


def test_check_run_without_logs_is_classified_from_its_output(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import analyze_check_failure

    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 3)
    output = {"title": "mypy", "summary": "1 error", "text": "typed.py:6: error: Incompatible return value type"}
    run = fake.add_check_run(repo, head, "types", "failure", output=output)
    github_worker(repo_name)

    analysis = analyze_check_failure.delay(repository=repo_name, check_run_id=run).get(timeout=30)

    assert analysis["category"] == "type_check"
    assert analysis["errors"][0]["file"] == "typed.py" and analysis["errors"][0]["line"] == 6
    assert not fake.recorded("GET", r".*/actions/jobs/\d+/logs")


def test_unknown_repository_is_a_permanent_error(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.deadletter import find_by_task_id
    from tasks.github.tasks import monitor_repository

    github_worker()

    result = monitor_repository.delay(repository="acme/missing")
    wait_for(lambda: find_by_task_id(result.id), what="dead letter")

    entry = find_by_task_id(result.id)
    assert entry is not None and entry["reason"] == "non_retryable"
    assert "404" in entry["exception_message"] and "acme/missing" in entry["exception_message"]
    assert len(fake.recorded("GET", "/repos/acme/missing/pulls")) == 1
