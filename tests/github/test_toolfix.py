"""The `format` and `lint_fix` fixes (tasks.github.toolfix), in this process with the real client against the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tasks.github import tools
from tasks.github.auth import TokenCredentials
from tasks.github.client import GitHubClient
from tasks.github.fixes import FixResult, Target
from tasks.github.toolfix import Limits, apply_tool
from tests.github.conftest import TOKEN
from tests.github.fake_github import FakeGitHub, FakeRepo

LIMITS = Limits(max_file_bytes=64 * 1024, timeout_s=60)
UGLY = "import os\nx = {  'a':1 }\n\n\n\ndef f( y ):\n  return os.path.join( y,'z' )\n"
FORMATTED = 'import os\n\nx = {"a": 1}\n\n\ndef f(y):\n    return os.path.join(y, "z")\n'
# 73 characters: within the default line length of 88, over a repository's 60.
LONG = "def describe(widget, colour, size):\n    return widget.name + colour.title() + str(size) + widget.unit\n"
UNUSED_IMPORT = "import os\nimport sys\n\nprint(sys.argv)\n"
UNDEFINED = "print(undefined_name)\n"


@pytest.fixture
def client(fake: FakeGitHub) -> Iterator[GitHubClient]:
    github = GitHubClient(fake.url, TokenCredentials(TOKEN), timeout_s=5)
    yield github
    github.close()


def fix(
    client: GitHubClient,
    repo: FakeRepo,
    number: int,
    tool: tools.Tool,
    files: list[str],
    head: str,
    limits: Limits = LIMITS,
) -> FixResult:
    strategy = "lint_fix" if tool is tools.RUFF_CHECK else "format"
    return apply_tool(client, Target(repo.full_name, number, head, strategy, 3), tool, files, limits)


def assert_nothing_written(fake: FakeGitHub) -> None:
    assert not fake.recorded("POST") and not fake.recorded("PATCH")


@pytest.mark.parametrize("tool", [tools.RUFF_FORMAT, tools.BLACK], ids=["ruff", "black"])
def test_a_badly_formatted_file_is_formatted_and_committed(
    fake: FakeGitHub, client: GitHubClient, repo_name: str, tool: tools.Tool
) -> None:
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 1, {"src/ugly.py": UGLY, "src/other.py": UGLY})

    result = fix(client, repo, 1, tool, ["src/ugly.py"], head)

    assert result.applied, result.reason
    assert result.commit_sha is not None and repo.refs["pr-1"] == result.commit_sha
    commit = repo.commits[result.commit_sha]
    assert commit["parents"] == [head]
    assert commit["message"].endswith("\n\nFixed-by: tasks-platform (format)\n")
    assert repo.file_at(result.commit_sha, "src/ugly.py") == FORMATTED
    assert repo.file_at(result.commit_sha, "src/other.py") == UGLY
    (tree,) = fake.recorded("POST", f"/repos/{repo_name}/git/trees")
    assert tree.body["base_tree"] == repo.commits[head]["tree"]
    assert [entry["path"] for entry in tree.body["tree"]] == ["src/ugly.py"]
    assert fake.recorded("GET", f"/repos/{repo_name}/contents/src/ugly.py")[0].query == {"ref": head}


def test_an_already_formatted_file_is_not_committed(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 2, {"neat.py": FORMATTED})

    result = fix(client, repo, 2, tools.RUFF_FORMAT, ["neat.py"], head)

    assert result == FixResult(False, "already formatted")
    assert_nothing_written(fake)


def test_the_repository_configuration_is_honoured(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    plain = fake.add_repo(repo_name)
    plain_head = fake.add_pull(plain, 3, {"long.py": LONG})
    configured = fake.add_repo(repo_name + "-configured")
    configured_head = fake.add_pull(
        configured, 3, {"long.py": LONG, "pyproject.toml": "[tool.ruff]\nline-length = 60\n"}
    )

    unconfigured = fix(client, plain, 3, tools.RUFF_FORMAT, ["long.py"], plain_head)
    result = fix(client, configured, 3, tools.RUFF_FORMAT, ["long.py"], configured_head)

    assert unconfigured == FixResult(False, "already formatted")
    assert result.applied, result.reason
    assert result.commit_sha is not None
    wrapped = configured.file_at(result.commit_sha, "long.py")
    assert wrapped != LONG and max(len(line) for line in wrapped.splitlines()) <= 60
    assert configured.file_at(result.commit_sha, "pyproject.toml") == "[tool.ruff]\nline-length = 60\n"


def test_black_reads_its_section_of_pyproject(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 4, {"long.py": LONG, "pyproject.toml": "[tool.black]\nline-length = 60\n"})

    result = fix(client, repo, 4, tools.BLACK, ["long.py"], head)

    assert result.applied, result.reason
    assert result.commit_sha is not None
    assert max(len(line) for line in repo.file_at(result.commit_sha, "long.py").splitlines()) <= 60


def test_a_file_the_formatter_cannot_parse_is_refused(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 5, {"ugly.py": UGLY, "broken.py": "def broken(:\n  pass\n"})

    result = fix(client, repo, 5, tools.RUFF_FORMAT, ["ugly.py", "broken.py"], head)

    assert not result.applied and "ruff format failed" in result.reason and "broken.py" in result.reason
    assert repo.refs["pr-5"] == head
    assert_nothing_written(fake)


def test_a_fixable_violation_is_fixed_and_committed(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 6, {"app.py": UNUSED_IMPORT})

    result = fix(client, repo, 6, tools.RUFF_CHECK, ["app.py"], head)

    assert result.applied, result.reason
    assert result.commit_sha is not None and repo.refs["pr-6"] == result.commit_sha
    assert repo.file_at(result.commit_sha, "app.py") == "import sys\n\nprint(sys.argv)\n"
    assert repo.commits[result.commit_sha]["message"].endswith("Fixed-by: tasks-platform (lint_fix)\n")


def test_an_unfixable_violation_is_not_committed(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 7, {"app.py": UNDEFINED})

    result = fix(client, repo, 7, tools.RUFF_CHECK, ["app.py"], head)

    assert not result.applied
    assert result.reason.startswith("no fixable violations") and "F821" in result.reason
    assert_nothing_written(fake)


def test_a_fix_that_leaves_violations_is_not_pushed(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 8, {"app.py": UNUSED_IMPORT + UNDEFINED})

    result = fix(client, repo, 8, tools.RUFF_CHECK, ["app.py"], head)

    assert not result.applied and "does not pass its own check" in result.reason and "F821" in result.reason
    assert_nothing_written(fake)


def test_unsafe_fixes_are_never_made_even_when_the_repository_enables_them(
    fake: FakeGitHub, client: GitHubClient, repo_name: str
) -> None:
    repo = fake.add_repo(repo_name)
    # F841's fix (deleting the assignment) is unsafe: it may drop a side effect.
    source = "def f():\n    unused = compute()\n"
    head = fake.add_pull(repo, 9, {"app.py": source, "ruff.toml": "unsafe-fixes = true\n"})

    result = fix(client, repo, 9, tools.RUFF_CHECK, ["app.py"], head)

    assert not result.applied and result.reason.startswith("no fixable violations") and "F841" in result.reason
    assert_nothing_written(fake)


def test_guards_refuse_both_tools(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    repo = fake.add_repo(repo_name)
    protected = fake.add_pull(repo, 10, {"ugly.py": UGLY}, branch="release-1")
    repo.protected.add("release-1")
    on_default = fake.add_pull(repo, 11, {"ugly.py": UGLY}, branch="main")
    seen = fake.add_pull(repo, 12, {"ugly.py": UGLY})
    moved = fake.push_to_pull(repo, 12, {"other.py": "x = 1\n"})

    for tool in (tools.RUFF_FORMAT, tools.RUFF_CHECK):
        refused_protected = fix(client, repo, 10, tool, ["ugly.py"], protected)
        refused_default = fix(client, repo, 11, tool, ["ugly.py"], on_default)
        refused_moved = fix(client, repo, 12, tool, ["ugly.py"], seen)

        assert not refused_protected.applied and "protected" in refused_protected.reason
        assert not refused_default.applied and "default branch" in refused_default.reason
        assert not refused_moved.applied and "head moved" in refused_moved.reason
    assert repo.refs["release-1"] == protected and repo.refs["main"] == on_default and repo.refs["pr-12"] == moved
    assert not fake.recorded("GET", f"/repos/{repo_name}/contents/.*")
    assert_nothing_written(fake)


def test_files_that_cannot_be_read_are_refused(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 13, {"ugly.py": UGLY, "big.py": "x = 1\n" * 100})

    absent = fix(client, repo, 13, tools.RUFF_FORMAT, ["ugly.py", "missing.py"], head)
    too_large = fix(client, repo, 13, tools.RUFF_FORMAT, ["big.py"], head, Limits(max_file_bytes=100, timeout_s=60))

    assert not absent.applied and "missing.py is not in the head commit" in absent.reason
    assert not too_large.applied and "TASKS_GITHUB__FIX_TOOL_MAX_FILE_BYTES" in too_large.reason
    assert not fake.recorded("GET", f"/repos/{repo_name}/contents/big.py")
    assert_nothing_written(fake)
