"""Bad calls fail at once, name the field, are dead-lettered, and send nothing to GitHub."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from celery import Celery

from tests.github.conftest import github_env
from tests.github.fake_github import FakeGitHub
from tests.github.test_fixes import PATCH
from tests.harness.workers import WorkerProcess, wait_for

SHA = "a" * 40
WORKFLOW = (
    PATCH
    + "--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ -1 +1 @@\n-on: push\n+on: pull_request\n"
)
ESCAPE = "--- /dev/null\n+++ b/../outside.txt\n@@ -0,0 +1 @@\n+escaped\n"
FORMAT = {"repository": "acme/widgets", "number": 1, "strategy": "format", "files": ["a.py"], "expected_head_sha": SHA}
HUGE = PATCH + "--- a/big.txt\n+++ b/big.txt\n@@ -1 +1 @@\n-x\n+" + "y" * 9000 + "\n"
BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("pr.monitor_repository", {"repository": "not a repository"}, "repository"),
    ("pr.check_pull_request", {"repository": "acme/widgets", "number": "seven"}, "number"),
    ("pr.analyze_check_failure", {"repository": "acme/widgets"}, "check_run_id"),
    ("pr.apply_fix", {"repository": "acme/widgets", "number": 1, "strategy": "force_push"}, "strategy"),
    (
        "pr.apply_fix",
        {"repository": "acme/widgets", "number": 1, "strategy": "patch", "patch": "fix it", "expected_head_sha": SHA},
        "unified diff",
    ),
    ("pr.apply_fix", {"repository": "acme/widgets", "number": 1, "strategy": "patch", "patch": PATCH}, "expected_head"),
    (
        "pr.apply_fix",
        {"repository": "other/widgets", "number": 1, "strategy": "rerun_failed_jobs"},
        "repository: Value error, 'other/widgets' is not in TASKS_GITHUB__REPOSITORIES",
    ),
    (
        "pr.apply_fix",
        {"repository": "acme/widgets", "number": 1, "strategy": "patch", "patch": WORKFLOW, "expected_head_sha": SHA},
        "'.github/workflows/ci.yml' matches TASKS_GITHUB__FIX_DENY_PATHS",
    ),
    (
        "pr.apply_fix",
        {"repository": "acme/widgets", "number": 1, "strategy": "patch", "patch": ESCAPE, "expected_head_sha": SHA},
        "'../outside.txt' is not a plain relative path",
    ),
    (
        "pr.apply_fix",
        {"repository": "acme/widgets", "number": 1, "strategy": "patch", "patch": HUGE, "expected_head_sha": SHA},
        "patch: Value error, larger than TASKS_GITHUB__FIX_MAX_PATCH_BYTES (8192 bytes)",
    ),
    (
        "pr.apply_fix",
        {"repository": "other/widgets", "number": 1, "strategy": "format", "files": ["a.py"], "expected_head_sha": SHA},
        "'other/widgets' is not in TASKS_GITHUB__REPOSITORIES",
    ),
    (
        "pr.apply_fix",
        {"repository": "acme/widgets", "number": 1, "strategy": "lint_fix", "files": ["a.py"]},
        "expected_head_sha is required with strategy 'lint_fix'",
    ),
    ("pr.apply_fix", {**FORMAT, "files": []}, "at least one file is required"),
    (
        "pr.apply_fix",
        {**FORMAT, "files": ["a.py", ".github/actions/setup/run.py"]},
        "'.github/actions/setup/run.py' matches TASKS_GITHUB__FIX_DENY_PATHS",
    ),
    (
        "pr.apply_fix",
        {**FORMAT, "files": ["src/../../escape.py"]},
        "'src/../../escape.py' is not a plain relative path",
    ),
    ("pr.apply_fix", {**FORMAT, "files": ["setup.cfg"]}, "'setup.cfg' is not a Python file"),
    (
        "pr.apply_fix",
        {**FORMAT, "files": [f"m{n}.py" for n in range(51)]},
        "more than TASKS_GITHUB__FIX_TOOL_MAX_FILES (50)",
    ),
    (
        "pr.apply_fix",
        {**FORMAT, "strategy": "lint_fix", "formatter": "black"},
        "formatter is only taken with strategy 'format'",
    ),
    ("pr.apply_fix", {**FORMAT, "formatter": "yapf"}, "formatter"),
    ("pr.handle_webhook", {"event": "pull_request", "delivery_id": "d-1", "payload": "{not json"}, "payload"),
    (
        "pr.handle_webhook",
        {"event": "pull_request", "delivery_id": "d-2", "payload": {"action": "opened"}},
        "payload.repository",
    ),
    (
        "pr.handle_webhook",
        {"event": "check_run", "delivery_id": "d-3", "payload": {"action": "completed", "repository": {}}},
        "payload.repository.full_name",
    ),
]


def test_invalid_arguments_are_dead_lettered_without_a_request(
    app: Celery, fake: FakeGitHub, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.deadletter import find_by_task_id

    github_worker("acme/widgets", TASKS_GITHUB__FIX_MAX_PATCH_BYTES="8192")

    sent = [(app.send_task(name, kwargs=kwargs), field) for name, kwargs, field in BAD_CALLS]
    for result, _ in sent:
        wait_for(lambda result=result: find_by_task_id(result.id), what=f"dead letter of {result.id}")

    for result, field in sent:
        entry = find_by_task_id(result.id)
        assert entry is not None
        assert entry["reason"] == "validation_error", entry
        assert field in entry["exception_message"], entry["exception_message"]
        assert entry["retries"] == 0
    assert fake.recorded(path="/repos/acme/widgets/.*") == []


def test_missing_token_is_a_clear_error(fake: FakeGitHub, start_worker: Callable[..., WorkerProcess]) -> None:
    from tasks.deadletter import find_by_task_id
    from tasks.github.tasks import monitor_all, monitor_repository

    env = github_env(fake, "acme/widgets")
    del env["TASKS_GITHUB__TOKEN"]
    start_worker(env=env)

    results = [monitor_all.delay(), monitor_repository.delay(repository="acme/widgets")]
    for result in results:
        wait_for(lambda result=result: find_by_task_id(result.id), what="dead letter")
        with pytest.raises(Exception, match="TASKS_GITHUB__TOKEN is required"):
            result.get(timeout=10)
    entry = find_by_task_id(results[1].id)
    assert entry is not None and entry["reason"] == "non_retryable"
    assert fake.recorded(path="/repos/acme/widgets/.*") == []
