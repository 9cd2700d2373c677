"""The repair loop through a worker: a fix failing again, the commit budget, concurrent analyses, expiry, reports."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from tests.github.conftest import analyse, the_comment
from tests.github.fake_github import FakeGitHub, FakeRepo
from tests.harness.cli import celery
from tests.harness.workers import WorkerProcess, wait_for

LOGS = Path(__file__).parent / "logs"
UGLY = "def f( a,b ):\n  return {'a':a,\n   'b':b}\n"
UNUSED = "import os\nimport sys\n\nprint(sys.argv)\n"


def fixable_lint_log() -> str:
    """ruff's concise output with only the fixable F401 of app.py."""
    lines = (LOGS / "ruff_check_concise.log").read_text().splitlines(keepends=True)
    kept = [line for line in lines if "F821" not in line]
    return "".join(kept).replace("Found 2 errors.", "Found 1 error.")


def format_fixed(fake: FakeGitHub, repo: FakeRepo, repo_name: str, number: int) -> tuple[str, str]:
    """A pull request whose format check fails, analysed and fixed by the loop: (the old head, the fix)."""
    head = fake.add_pull(repo, number, {"fmt.py": UGLY})
    run = fake.add_check_run(repo, head, "fmt", "failure", log=(LOGS / "ruff_format.log").read_text())
    assert analyse(repo_name, run)["repair"]["queued"] is True
    wait_for(lambda: repo.refs[f"pr-{number}"] != head, what="the format fix")
    return head, repo.refs[f"pr-{number}"]


def test_a_fix_whose_checks_fail_again_is_not_fixed_again(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github import history
    from tasks.github.tasks import apply_fix
    from tasks.redis_client import get_redis

    repo = fake.add_repo(repo_name)
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true")
    _, fixed = format_fixed(fake, repo, repo_name, 41)
    assert "Fixed-by: tasks-platform (format)" in repo.commits[fixed]["message"]
    wait_for(lambda: f"pushed {fixed[:12]}" in the_comment(repo), what="comment names the fix")

    # The checks of the fix fail again: the platform does not fix its own fix.
    again = fake.add_check_run(repo, fixed, "fmt", "failure", log=(LOGS / "ruff_format.log").read_text())
    repair = analyse(repo_name, again)["repair"]
    assert repair == {
        "strategy": "format",
        "queued": False,
        "reason": "the head is the platform's own format fix: it does not fix its own fix",
    }
    # Nor when its history is gone: the commit's trailer says who made it.
    get_redis().delete(history.history_key(repo_name, 41))
    direct = apply_fix.delay(
        repository=repo_name, number=41, strategy="format", expected_head_sha=fixed, files=["fmt.py"]
    ).get(timeout=60)
    assert direct["applied"] is False and "platform's own format fix" in direct["reason"]
    assert repo.refs["pr-41"] == fixed
    assert len(fake.recorded("PATCH", rf"/repos/{repo_name}/git/refs/heads/.*")) == 1


def test_the_comment_says_when_the_checks_of_the_fix_pass_and_pr_show_lists_the_history(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import check_pull_request

    repo = fake.add_repo(repo_name)
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true")
    head, fixed = format_fixed(fake, repo, repo_name, 42)
    wait_for(lambda: f"pushed {fixed[:12]}" in the_comment(repo), what="comment names the fix")
    assert f"### Checks on `{head[:12]}`: failing" in the_comment(repo)

    fake.add_check_run(repo, fixed, "fmt", "success", log="ok")
    checked = check_pull_request.delay(repository=repo_name, number=42).get(timeout=30)

    assert checked["head_sha"] == fixed and checked["state"] == "success"
    body = the_comment(repo)
    assert f"### Checks on `{fixed[:12]}`: all passed" in body
    assert f"This commit is the platform's `format` fix of `{head[:12]}`." in body
    assert "| format | pushed" in body

    shown = celery("pr", "show", f"{repo_name}#42", "--json")
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert [(e["check"], e["strategy"], e["outcome"]) for e in document["history"]] == [
        ("fmt", "format", "queued"),
        (None, "format", "pushed"),
    ]
    assert document["history"][1]["commit_sha"] == fixed and document["analyses"][0]["name"] == "fmt"
    table = celery("pr", "show", f"{repo_name}#42")
    assert table.returncode == 0 and f"-> {fixed[:12]}" in table.stdout and "pushed" in table.stdout
    bad = celery("pr", "show", "not-a-reference")
    assert bad.returncode == 2 and "expected owner/name#number" in bad.stderr


def test_at_most_max_fix_commits_platform_commits_per_pull_request(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.fixes import COMMIT_MESSAGE

    repo = fake.add_repo(repo_name)
    fake.add_pull(repo, 43, {"app.py": "print(1)\n"})
    # An earlier platform fix, then a developer's push that brings a new lint failure.
    pull = repo.pulls[43]
    earlier = repo.commit_files(
        {"app.py": "print(2)\n"}, pull["head"]["sha"], COMMIT_MESSAGE.format(number=43, strategy="format")
    )
    repo.refs["pr-43"] = pull["head"]["sha"] = earlier
    head = fake.push_to_pull(repo, 43, {"app.py": UNUSED})
    run = fake.add_check_run(repo, head, "lint", "failure", log=fixable_lint_log())
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true", TASKS_GITHUB__MAX_FIX_COMMITS="1")

    assert analyse(repo_name, run)["repair"]["queued"] is True
    wait_for(lambda: "MAX_FIX_COMMITS" in the_comment(repo), what="the refusal in the comment")

    assert "1 platform commits on pull request #43 already: TASKS_GITHUB__MAX_FIX_COMMITS (1)" in the_comment(repo)
    assert repo.refs["pr-43"] == head and not fake.recorded("POST", r".*/git/commits")


def test_concurrent_analyses_of_one_head_make_one_fix(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import analyze_check_failure

    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 44, {"app.py": UNUSED})
    runs = [fake.add_check_run(repo, head, f"lint ({v})", "failure", log=fixable_lint_log()) for v in ("3.11", "3.12")]
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true")

    sent = [analyze_check_failure.delay(repository=repo_name, check_run_id=run) for run in runs]
    repairs = sorted((r.get(timeout=30)["repair"] for r in sent), key=lambda repair: not repair["queued"])

    assert [repair["queued"] for repair in repairs] == [True, False]
    assert repairs[1]["reason"].startswith("lint_fix was already queued for this head by check 'lint (3.")
    wait_for(lambda: repo.refs["pr-44"] != head, what="the lint fix")
    time.sleep(1.0)  # a second fix, if one were queued, would show up here
    assert len(fake.recorded("PATCH", rf"/repos/{repo_name}/git/refs/heads/.*")) == 1
    assert len(fake.recorded("POST", rf"/repos/{repo_name}/git/commits")) == 1
    assert repo.file_at(repo.refs["pr-44"], "app.py") == "import sys\n\nprint(sys.argv)\n"
    # Both checks show the one fix.
    pushed = f"Repair: `lint_fix`, pushed {repo.refs['pr-44'][:12]}"
    wait_for(lambda: the_comment(repo).count(pushed) == 2, what="both checks name the fix")


def test_a_repair_is_queued_again_once_its_mark_expires(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 45)
    deploy = fake.add_check_run(repo, head, "deploy", "timed_out", log=(LOGS / "job_timeout.log").read_text())
    github_worker(
        repo_name, TASKS_GITHUB__AUTO_FIX="true", TASKS_GITHUB__REPAIR_TTL_S="2", TASKS_GITHUB__MAX_RERUNS="1"
    )

    first = analyse(repo_name, deploy)["repair"]
    second = analyse(repo_name, deploy)["repair"]
    time.sleep(2.5)
    after_expiry = analyse(repo_name, deploy)["repair"]

    assert first["queued"] is True and second["queued"] is False and "already queued" in second["reason"]
    # The mark and the re-run count expired together: MAX_RERUNS=1 allows this one.
    assert after_expiry == {"strategy": "rerun_failed_jobs", "queued": True, "reason": "rerun_failed_jobs queued"}
    wait_for(lambda: len(fake.recorded("POST", r".*/rerun-failed-jobs")) == 2, what="two re-runs")
