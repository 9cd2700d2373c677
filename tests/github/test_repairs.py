"""`pr.analyze_check_failure` queues its repair: the strategy chosen, the settings and guards that refuse it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.github.fake_github import FakeGitHub
from tests.harness.workers import WorkerProcess, wait_for

LOGS = Path(__file__).parent / "logs"


@pytest.mark.parametrize(
    ("analysis", "strategy"),
    [
        ({"category": "timeout", "tool": "runner", "fix_strategy": "rerun_failed_jobs"}, "rerun_failed_jobs"),
        ({"category": "format", "tool": "ruff format", "fix_strategy": "none"}, "format"),
        ({"category": "format", "tool": "black", "fix_strategy": "none"}, "format"),
        ({"category": "format", "tool": "prettier", "fix_strategy": "none"}, None),
        ({"category": "lint", "tool": "ruff", "fix_strategy": "none"}, "lint_fix"),
        ({"category": "lint", "tool": "eslint", "fix_strategy": "none"}, None),
        ({"category": "test", "tool": "pytest", "fix_strategy": "none"}, None),
    ],
)
def test_strategy_for_a_diagnosis(analysis: dict[str, str], strategy: str | None) -> None:
    from tasks.github.repairs import strategy_for

    assert strategy_for(analysis) == strategy


def test_transient_failure_is_rerun_once_per_check_and_at_most_max_reruns_per_head(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import analyze_check_failure

    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 3)
    deploy = fake.add_check_run(repo, head, "deploy", "timed_out", log=(LOGS / "job_timeout.log").read_text())
    flaky = fake.add_check_run(repo, head, "install", "failure", log=(LOGS / "network_pip.log").read_text())
    lost = fake.add_check_run(repo, head, "e2e", "failure", log=(LOGS / "runner_lost.log").read_text())
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true", TASKS_GITHUB__MAX_RERUNS="1")

    first = analyze_check_failure.delay(repository=repo_name, check_run_id=deploy).get(timeout=30)

    assert first["repair"] == {"strategy": "rerun_failed_jobs", "queued": True, "reason": "rerun_failed_jobs queued"}
    wait_for(lambda: fake.recorded("POST", rf"/repos/{repo_name}/actions/runs/\d+/rerun-failed-jobs"), what="rerun")
    assert repo.reruns
    (comment,) = repo.comments.values()
    wait_for(lambda: "Repair: `rerun_failed_jobs`, re-ran: re-ran the failed jobs" in comment["body"], what="comment")

    # The same check on the same head is not repaired twice.
    again = analyze_check_failure.delay(repository=repo_name, check_run_id=deploy).get(timeout=30)
    assert again["repair"]["queued"] is False and "already queued" in again["repair"]["reason"]

    # A diagnosis less sure than TASKS_GITHUB__AUTO_FIX_MIN_CONFIDENCE (0.8 by default) is not acted on.
    unsure = analyze_check_failure.delay(repository=repo_name, check_run_id=flaky).get(timeout=30)
    assert unsure["confidence"] < 0.8
    assert unsure["repair"]["queued"] is False and "AUTO_FIX_MIN_CONFIDENCE" in unsure["repair"]["reason"]

    # Another check of the head would be a second re-run: TASKS_GITHUB__MAX_RERUNS=1 refuses it.
    other = analyze_check_failure.delay(repository=repo_name, check_run_id=lost).get(timeout=30)
    assert other["repair"]["queued"] is False and "TASKS_GITHUB__MAX_RERUNS (1)" in other["repair"]["reason"]


def test_nothing_is_queued_without_auto_fix(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import analyze_check_failure

    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 4)
    deploy = fake.add_check_run(repo, head, "deploy", "timed_out", log=(LOGS / "job_timeout.log").read_text())
    github_worker(repo_name)

    result = analyze_check_failure.delay(repository=repo_name, check_run_id=deploy).get(timeout=30)

    assert result["repair"] == {
        "strategy": "rerun_failed_jobs",
        "queued": False,
        "reason": "TASKS_GITHUB__AUTO_FIX is off",
    }
    # The comment proposes the repair and the command that applies it.
    (comment,) = repo.comments.values()
    assert "Repair: `rerun_failed_jobs`, not queued: TASKS_GITHUB__AUTO_FIX is off. To apply it:" in comment["body"]
    command = (
        f'celery -A tasks call pr.apply_fix --kwargs \'{{"repository": "{repo_name}", "number": 4, '
        f'"strategy": "rerun_failed_jobs", "expected_head_sha": "{head}"}}\''
    )
    assert command in comment["body"]
    assert not repo.reruns


def test_a_repository_outside_the_configured_ones_is_never_repaired(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import analyze_check_failure

    # An organisation's webhook reports check runs of every repository; only configured ones are fixed.
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 5)
    deploy = fake.add_check_run(repo, head, "deploy", "timed_out", log=(LOGS / "job_timeout.log").read_text())
    github_worker("acme/configured", TASKS_GITHUB__AUTO_FIX="true")

    result = analyze_check_failure.delay(repository=repo_name, check_run_id=deploy).get(timeout=30)

    assert result["repair"] == {
        "strategy": "rerun_failed_jobs",
        "queued": False,
        "reason": f"{repo_name} is not in TASKS_GITHUB__REPOSITORIES: fixes go only to those",
    }
    assert not fake.recorded("POST", r".*/rerun-failed-jobs")
