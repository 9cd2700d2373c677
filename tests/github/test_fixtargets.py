"""Which files a `format` or `lint_fix` fix takes by default, and which files any tool fix may rewrite."""

from __future__ import annotations

from tasks.github.fixtargets import Targets, from_analyses
from tasks.github.patchscope import files_refusal

HEAD = "a" * 40
OLD = "b" * 40
DENY = [".github/workflows/", ".github/actions/", "CODEOWNERS"]


def analysis(tool: str, files: list[str | None], head_sha: str = HEAD) -> dict[str, object]:
    return {"tool": tool, "head_sha": head_sha, "errors": [{"message": "m", "file": f, "line": 1} for f in files]}


def test_the_heads_failures_of_the_strategys_tools_name_the_files() -> None:
    analyses = [
        analysis("mypy", ["typed.py"]),
        analysis("black", ["b.py", "a.py", None]),
        analysis("ruff format", ["a.py", "c.py"]),
        analysis("ruff", ["lint.py"]),
        analysis("black", ["stale.py"], head_sha=OLD),
    ]

    assert from_analyses(analyses, HEAD, "format") == Targets(["b.py", "a.py", "c.py"], "black")
    assert from_analyses(analyses, HEAD, "lint_fix") == Targets(["lint.py"], None)
    assert from_analyses(analyses, OLD, "lint_fix") == Targets([], None)
    assert from_analyses([analysis("flake8", ["x.py"])], HEAD, "lint_fix") == Targets([], None)


def test_tool_fixes_rewrite_only_plain_python_paths_outside_the_deny_list() -> None:
    assert files_refusal(["src/a.py", "stubs/b.pyi"], DENY, 2) is None
    assert files_refusal([], DENY, 2) == "at least one file is required"
    assert "more than TASKS_GITHUB__FIX_TOOL_MAX_FILES (2)" in str(files_refusal(["a.py", "b.py", "c.py"], DENY, 2))
    refused = str(files_refusal([".github/actions/x.py", "/etc/x.py", "a/../b.py", "notes.md"], DENY, 9))
    assert "'.github/actions/x.py' matches TASKS_GITHUB__FIX_DENY_PATHS" in refused
    assert "'/etc/x.py' is not a plain relative path" in refused
    assert "'a/../b.py' is not a plain relative path" in refused
    assert "'notes.md' is not a Python file" in refused
