"""`patch_from_model`: a failed test run, analysed by a worker, repaired with a chat model's diff."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.github.conftest import analyse, the_comment
from tests.github.fake_github import FakeGitHub, FakeRepo
from tests.harness.workers import WorkerProcess, wait_for
from tests.upload.fake_openai import FakeOpenAI

LOGS = Path(__file__).parent / "logs"
MODEL_KEY = "sk-model-secret-0123456789"
CALC = "def add(a, b):\n    return a + b + 1\n"
TEST_CALC = (
    "from calc import add\n\n\ndef test_add_small():\n    assert add(1, 1) == 2\n\n\n"
    "def test_zero():\n    assert add(0, 0) == 0\n"
)
FIX = """\
```diff
--- a/calc.py
+++ b/calc.py
@@ -1,2 +1,2 @@
 def add(a, b):
-    return a + b + 1
+    return a + b
```
"""


def model_env(model: FakeOpenAI, **extra: str) -> dict[str, str]:
    return {
        "TASKS_GITHUB__AUTO_FIX": "true",
        "TASKS_GITHUB__FIX_MODEL_URL": model.url,
        "TASKS_GITHUB__FIX_MODEL": "fixer-1",
        "TASKS_GITHUB__FIX_MODEL_API_KEY": MODEL_KEY,
        **extra,
    }


def failing_tests(fake: FakeGitHub, repo: FakeRepo, number: int) -> tuple[str, int]:
    head = fake.add_pull(repo, number, {"calc.py": CALC, "test_calc.py": TEST_CALC})
    run = fake.add_check_run(repo, head, "tests", "failure", log=(LOGS / "pytest.log").read_text())
    return head, run


def test_a_failed_test_is_repaired_with_the_models_patch(
    fake: FakeGitHub, model: FakeOpenAI, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    repo = fake.add_repo(repo_name)
    head, run = failing_tests(fake, repo, 11)
    model.chat_reply = "Here is the fix:\n\n" + FIX
    github_worker(repo_name, **model_env(model, TASKS_GITHUB__AUTO_FIX_PATCHES="true"))

    analysis = analyse(repo_name, run)

    assert analysis["repair"] == {"strategy": "patch_from_model", "queued": True, "reason": "patch_from_model queued"}
    wait_for(lambda: repo.refs["pr-11"] != head, what="the model's commit")
    pushed = repo.refs["pr-11"]
    assert repo.file_at(pushed, "calc.py") == "def add(a, b):\n    return a + b\n"
    assert repo.commits[pushed]["parents"] == [head]
    assert "Fixed-by: tasks-platform (patch_from_model)" in repo.commits[pushed]["message"]
    # The model saw the diagnosis, the key lines and the file they point at; its key went only in the header.
    (asked,) = model.requests
    assert asked["auth"] == f"Bearer {MODEL_KEY}" and asked["body"]["model"] == "fixer-1"
    prompt = model.prompt()
    assert "Diagnosis: pytest: test failure" in prompt and "test_calc.py:5: " in prompt and TEST_CALC in prompt
    wait_for(lambda: f"pushed {pushed[:12]}" in the_comment(repo), what="comment names the commit")
    body = the_comment(repo)
    assert "**tests**: `test`" in body and "Repair: `patch_from_model`, pushed" in body
    assert MODEL_KEY not in body and MODEL_KEY not in repr(analysis)


def test_with_auto_fix_patches_off_the_patch_is_suggested_in_the_comment(
    fake: FakeGitHub, model: FakeOpenAI, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    head, run = failing_tests(fake, repo, 12)
    model.chat_reply = FIX
    github_worker(repo_name, **model_env(model))

    analyse(repo_name, run)
    wait_for(lambda: "Suggested patch" in the_comment(repo), what="suggestion in the comment")

    body = the_comment(repo)
    assert "-    return a + b + 1\n+    return a + b\n" in body
    assert "TASKS_GITHUB__AUTO_FIX_PATCHES is off" in body
    assert repo.refs["pr-12"] == head and not fake.recorded("POST", r".*/git/commits")
    direct = apply_fix.delay(repository=repo_name, number=12, strategy="patch_from_model", expected_head_sha=head).get(
        timeout=60
    )
    assert direct["applied"] is False and direct["suggestion"].startswith("--- a/calc.py")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("I cannot help with that.", "holds no diff"),
        (FIX.replace("calc.py", ".github/workflows/ci.yml"), "may not touch '.github/workflows/ci.yml'"),
        (FIX.replace("calc.py", "poetry.lock"), "may not touch 'poetry.lock'"),
        (FIX.replace("return a + b + 1", "return a - b + 1"), "does not apply"),
        (FIX.replace("calc.py", "missing.py"), "missing.py is not in the head commit"),
        ("```diff\n" + "--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-x\n+" + "y" * 40_000 + "\n```\n", "larger than"),
        ("```diff\n--- a/calc.py\n+++ b/calc.py\n```\n", "not a unified diff"),
    ],
    ids=["prose", "workflow", "lock-file", "not-applying", "absent-file", "too-large", "no-hunks"],
)
def test_a_model_patch_that_does_not_validate_is_refused(
    fake: FakeGitHub,
    model: FakeOpenAI,
    repo_name: str,
    github_worker: Callable[..., WorkerProcess],
    reply: str,
    reason: str,
) -> None:
    from tasks.github import state
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    head, run = failing_tests(fake, repo, 13)
    model.chat_reply = reply
    github_worker(repo_name, **model_env(model, TASKS_GITHUB__AUTO_FIX_PATCHES="true"))
    # Marked as queued, the analysis leaves the repair to the test.
    assert state.claim_repair(repo_name, head, "", "patch_from_model", "tests", 3600) is None
    analyse(repo_name, run)

    result = apply_fix.delay(repository=repo_name, number=13, strategy="patch_from_model", expected_head_sha=head).get(
        timeout=60
    )

    assert result["applied"] is False and reason in result["reason"], result
    assert repo.refs["pr-13"] == head
    assert not fake.recorded("POST", r".*/git/(blobs|trees|commits)")
    wait_for(lambda: reason in the_comment(repo), what="the refusal in the comment")


def test_without_a_model_endpoint_the_strategy_is_not_offered(
    fake: FakeGitHub, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    head, run = failing_tests(fake, repo, 14)
    github_worker(repo_name, TASKS_GITHUB__AUTO_FIX="true")

    analysis = analyse(repo_name, run)
    direct = apply_fix.delay(repository=repo_name, number=14, strategy="patch_from_model", expected_head_sha=head).get(
        timeout=60
    )

    assert analysis["repair"] == {"strategy": None, "queued": False, "reason": "no automatic repair fits this failure"}
    assert direct["applied"] is False and "TASKS_GITHUB__FIX_MODEL_URL is not set" in direct["reason"]


def test_an_unavailable_model_is_retried_and_then_a_dead_letter(
    fake: FakeGitHub, model: FakeOpenAI, repo_name: str, github_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.deadletter import find_by_task_id
    from tasks.github import state
    from tasks.github.tasks import apply_fix

    repo = fake.add_repo(repo_name)
    head, run = failing_tests(fake, repo, 15)
    model.chat_status = 503
    retries = {
        "TASKS_RETRY__MAX_RETRIES": "2",
        "TASKS_RETRY__BACKOFF_BASE_S": "0.1",
        "TASKS_RETRY__BACKOFF_MAX_S": "0.2",
    }
    github_worker(repo_name, **model_env(model), **retries)
    assert state.claim_repair(repo_name, head, "", "patch_from_model", "tests", 3600) is None
    analyse(repo_name, run)

    sent = apply_fix.delay(repository=repo_name, number=15, strategy="patch_from_model", expected_head_sha=head)
    wait_for(lambda: find_by_task_id(sent.id), timeout_s=90, what="dead letter")

    entry = find_by_task_id(sent.id)
    assert entry is not None and "503" in entry["exception_message"]
    assert MODEL_KEY not in str(entry) and len(model.requests) > 1
    assert repo.refs["pr-15"] == head
