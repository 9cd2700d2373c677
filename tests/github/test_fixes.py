"""`pr.apply_fix` through a real worker: refused without AUTO_FIX, re-runs, patches, and its guards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.github.fake_github import FakeGitHub
from tests.harness.workers import WorkerProcess

ORIGINAL = "def add(a, b):\n    return a + b + 1\n\n\ndef sub(a, b):\n    return a - b\n"
PATCH = """\
diff --git a/calc.py b/calc.py
--- a/calc.py
+++ b/calc.py
@@ -1,2 +1,2 @@
 def add(a, b):
-    return a + b + 1
+    return a + b
diff --git a/NOTES.md b/NOTES.md
new file mode 100644
--- /dev/null
+++ b/NOTES.md
@@ -0,0 +1 @@
+Fixed add().
"""
STALE_PATCH = PATCH.replace(" def add(a, b):", " def add(x, y):")


def test_apply_fix_is_refused_without_auto_fix(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 4, {"calc.py": ORIGINAL})
    github_worker(repo_name)

    rerun = apply_fix.delay(repository=repo_name, number=4, strategy="rerun_failed_jobs").get(timeout=30)
    patch = apply_fix.delay(repository=repo_name, number=4, strategy="patch", patch=PATCH, expected_head_sha=head)

    assert rerun["applied"] is False and "TASKS_GITHUB__AUTO_FIX" in rerun["reason"]
    assert patch.get(timeout=30) == rerun
    assert fake.recorded(path=f"/repos/{repo_name}/.*") == []


def test_rerun_failed_jobs(fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]) -> None:
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 5)
    fake.add_check_run(repo, head, "tests", "success")
    fake.add_check_run(repo, head, "deploy", "timed_out")
    (failed_run,) = [run["id"] for run in repo.workflow_runs.values() if run["conclusion"] == "timed_out"]
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true")

    result = apply_fix.delay(repository=repo_name, number=5, strategy="rerun_failed_jobs").get(timeout=30)

    assert result["applied"] is True and result["commit_sha"] is None
    assert repo.reruns == [failed_run]
    assert fake.recorded("POST", rf"/repos/{repo_name}/actions/runs/{failed_run}/rerun-failed-jobs")


def test_patch_is_committed_onto_the_head_and_fast_forwarded(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 6, {"calc.py": ORIGINAL})
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true")

    result = apply_fix.delay(repository=repo_name, number=6, strategy="patch", patch=PATCH, expected_head_sha=head)
    outcome = result.get(timeout=30)

    assert outcome["applied"] is True
    commit = repo.commits[outcome["commit_sha"]]
    assert commit["parents"] == [head]
    assert repo.refs["pr-6"] == outcome["commit_sha"]
    assert repo.file_at(outcome["commit_sha"], "calc.py") == ORIGINAL.replace("a + b + 1", "a + b")
    assert repo.file_at(outcome["commit_sha"], "NOTES.md") == "Fixed add().\n"
    assert repo.file_at(outcome["commit_sha"], "README.md") == repo.file_at(head, "README.md")
    (update,) = fake.recorded("PATCH", f"/repos/{repo_name}/git/refs/heads/pr-6")
    assert update.body == {"sha": outcome["commit_sha"], "force": False}
    (tree,) = fake.recorded("POST", f"/repos/{repo_name}/git/trees")
    assert tree.body["base_tree"] == repo.commits[head]["tree"]


def test_patch_guards(fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]) -> None:
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 8, {"calc.py": ORIGINAL})
    fork = fake.add_repo("forker/widgets")
    fork_head = fake.add_pull(repo, 9, {"calc.py": ORIGINAL}, head_repo=fork)
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true")

    def fix(number: int, patch: str, expected: str) -> dict[str, object]:
        outcome: dict[str, object] = apply_fix.delay(
            repository=repo_name, number=number, strategy="patch", patch=patch, expected_head_sha=expected
        ).get(timeout=30)
        return outcome

    moved = fake.push_to_pull(repo, 8, {"other.txt": "x\n"})
    stale_head = fix(8, PATCH, head)
    not_applying = fix(8, STALE_PATCH, moved)
    from_fork = fix(9, PATCH, fork_head)

    assert stale_head["applied"] is False and "head moved" in str(stale_head["reason"])
    assert not_applying["applied"] is False and "does not apply" in str(not_applying["reason"])
    assert from_fork["applied"] is False and "fork" in str(from_fork["reason"])
    assert repo.refs["pr-8"] == moved and fork.refs["pr-9"] == fork_head
    assert not fake.recorded("PATCH", f"/repos/{repo_name}/.*") and not fake.recorded("POST", r".*/git/commits")


def test_patch_is_refused_on_the_default_or_a_protected_branch_and_refs_are_encoded(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    on_default = fake.add_pull(repo, 21, {"calc.py": ORIGINAL}, branch="main")
    protected = fake.add_pull(repo, 22, {"calc.py": ORIGINAL}, branch="release-1")
    repo.protected.add("release-1")
    main_before = repo.refs["main"]
    # A valid branch name: sent unencoded, `#x` would be taken for a fragment and `main` written instead.
    hashed = fake.add_pull(repo, 23, {"calc.py": ORIGINAL}, branch="main#x")
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true")

    def fix(number: int, expected: str) -> dict[str, object]:
        outcome: dict[str, object] = apply_fix.delay(
            repository=repo_name, number=number, strategy="patch", patch=PATCH, expected_head_sha=expected
        ).get(timeout=30)
        return outcome

    default_refused = fix(21, on_default)
    protected_refused = fix(22, protected)
    applied = fix(23, hashed)

    assert default_refused["applied"] is False and "default branch" in str(default_refused["reason"])
    assert protected_refused["applied"] is False and "protected" in str(protected_refused["reason"])
    assert applied["applied"] is True, applied
    assert repo.refs["main#x"] == applied["commit_sha"] and repo.refs["main"] == main_before == on_default
    assert repo.refs["release-1"] == protected
    assert fake.recorded("GET", f"/repos/{repo_name}/branches/main%23x")
    (update,) = fake.recorded("PATCH", f"/repos/{repo_name}/.*")
    assert update.path == f"/repos/{repo_name}/git/refs/heads/main%23x"


def test_format_and_lint_fix_through_the_worker(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    ugly = "x = {  'a':1 }\n"
    formatted = fake.add_pull(repo, 31, {"pkg/ugly.py": ugly})
    linted = fake.add_pull(repo, 32, {"pkg/app.py": "import os\nimport sys\n\nprint(sys.argv)\n"})
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true")

    by_black = apply_fix.delay(
        repository=repo_name,
        number=31,
        strategy="format",
        formatter="black",
        files=["pkg/ugly.py"],
        expected_head_sha=formatted,
    ).get(timeout=60)
    by_ruff = apply_fix.delay(
        repository=repo_name, number=32, strategy="lint_fix", files=["pkg/app.py"], expected_head_sha=linted
    ).get(timeout=60)

    assert by_black["applied"] is True, by_black
    assert repo.file_at(by_black["commit_sha"], "pkg/ugly.py") == 'x = {"a": 1}\n'
    assert "Fixed-by: tasks-platform (format)" in repo.commits[by_black["commit_sha"]]["message"]
    assert by_ruff["applied"] is True, by_ruff
    assert repo.file_at(by_ruff["commit_sha"], "pkg/app.py") == "import sys\n\nprint(sys.argv)\n"
    assert repo.refs["pr-31"] == by_black["commit_sha"] and repo.refs["pr-32"] == by_ruff["commit_sha"]


def test_format_and_lint_fix_are_refused_without_auto_fix(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 33, {"ugly.py": "x = {  'a':1 }\n"})
    github_worker(repo_name)

    results = [
        apply_fix.delay(
            repository=repo_name, number=33, strategy=strategy, files=["ugly.py"], expected_head_sha=head
        ).get(timeout=30)
        for strategy in ("format", "lint_fix")
    ]

    assert all(r["applied"] is False and "TASKS_GITHUB__AUTO_FIX" in r["reason"] for r in results), results
    assert fake.recorded(path=f"/repos/{repo_name}/.*") == []


def test_format_and_lint_fix_take_the_files_of_the_heads_analysed_failures(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github import state
    from tasks.github.tasks import analyze_check_failure, apply_fix

    repo = fake.add_repo(repo_name)
    ugly = "def f( a,b ):\n  return {'a':a,\n   'b':b}\n"
    unused = "import os\nimport sys\n\nprint(sys.argv)\n"
    # The logs report fmt.py (ruff format) and app.py (ruff check): the other file of each pull is left alone.
    format_head = fake.add_pull(repo, 34, {"fmt.py": ugly, "other.py": ugly})
    lint_head = fake.add_pull(repo, 35, {"app.py": unused, "other.py": unused})
    logs = Path(__file__).parent / "logs"
    format_run = fake.add_check_run(repo, format_head, "fmt", "failure", log=(logs / "ruff_format.log").read_text())
    lint_run = fake.add_check_run(repo, lint_head, "lint", "failure", log=(logs / "ruff_check.log").read_text())
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true")

    def fix(number: int, strategy: str, head: str) -> dict[str, Any]:
        outcome: dict[str, Any] = apply_fix.delay(
            repository=repo_name, number=number, strategy=strategy, expected_head_sha=head
        ).get(timeout=60)
        return outcome

    # The analyses would queue these same fixes themselves: marked as queued, they leave them to the test.
    assert state.claim_repair(repo_name, format_head, "", "format", "fmt", 3600) is None
    assert state.claim_repair(repo_name, lint_head, "", "lint_fix", "lint", 3600) is None
    before_analysis = fix(34, "format", format_head)
    for run in (format_run, lint_run):
        analyze_check_failure.delay(repository=repo_name, check_run_id=run).get(timeout=30)
    formatted = fix(34, "format", format_head)
    linted = fix(35, "lint_fix", lint_head)
    # The analysis was of the old head: the new one has none.
    again = fix(34, "format", formatted["commit_sha"])

    assert before_analysis["applied"] is False and "no analysed failure" in before_analysis["reason"]
    assert formatted["applied"] is True, formatted
    assert repo.file_at(formatted["commit_sha"], "fmt.py") == 'def f(a, b):\n    return {"a": a, "b": b}\n'
    assert repo.file_at(formatted["commit_sha"], "other.py") == ugly
    assert linted["applied"] is True, linted
    assert repo.file_at(linted["commit_sha"], "app.py") == "import sys\n\nprint(sys.argv)\n"
    assert repo.file_at(linted["commit_sha"], "other.py") == unused
    assert again["applied"] is False and "no analysed failure" in again["reason"]
