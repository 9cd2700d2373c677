"""Running a formatter or `ruff check --fix` over a few files in a temporary directory, then its own check.

The files and the repository's configuration files are written to a fresh
directory; the tool (from the worker's own environment, never the repository's)
runs there with a timeout, a minimal environment and no cache, and its result
counts only if the same tool in check mode then passes on it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: Configuration files read from the repository's root when present: they decide line length, rules, style.
CONFIG_FILES = ("pyproject.toml", "ruff.toml", ".ruff.toml", "setup.cfg", ".editorconfig")


@dataclass(frozen=True)
class Tool:
    name: str
    executable: str
    fix: tuple[str, ...]
    check: tuple[str, ...]
    #: Exit codes of the fix run that are not errors (`ruff check --fix` exits 1 when violations remain).
    fix_ok: frozenset[int]
    nothing_to_do: str


RUFF_FORMAT = Tool(
    "ruff format",
    "ruff",
    ("format", "--no-cache", "--force-exclude"),
    ("format", "--check", "--no-cache", "--force-exclude"),
    frozenset({0}),
    "already formatted",
)
BLACK = Tool("black", "black", ("--quiet",), ("--check", "--quiet"), frozenset({0}), "already formatted")
# `--no-unsafe-fixes` overrides a repository's `unsafe-fixes = true`: only fixes ruff calls safe are made.
RUFF_CHECK = Tool(
    "ruff check --fix",
    "ruff",
    ("check", "--fix", "--no-unsafe-fixes", "--no-cache", "--force-exclude", "--quiet"),
    ("check", "--no-cache", "--force-exclude", "--quiet"),
    frozenset({0, 1}),
    "no fixable violations",
)

#: `pr.apply_fix` strategy `format`: the formatter named by `formatter`.
FORMATTERS: dict[str, Tool] = {"ruff": RUFF_FORMAT, "black": BLACK}


@dataclass(frozen=True)
class Outcome:
    """The files the tool changed (path -> new text), or why nothing is to be committed."""

    changed: dict[str, str] = field(default_factory=dict)
    refusal: str | None = None


class ToolFailed(Exception):
    """The tool could not run, errored, timed out, or its result does not pass its own check."""


def run(tool: Tool, files: Mapping[str, str], configs: Mapping[str, str], timeout_s: float) -> Outcome:
    """Run the tool over `files` (path -> text) beside `configs`; what changed, after its check passed."""
    executable = _executable(tool.executable)
    with tempfile.TemporaryDirectory(prefix="tasks-fix-") as directory:
        root = Path(directory)
        for path, text in {**configs, **files}.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode())
        paths = sorted(files)
        fixed = _call(executable, tool.fix, paths, root, timeout_s)
        if fixed.returncode not in tool.fix_ok:
            raise ToolFailed(f"{tool.name} failed (exit {fixed.returncode}): {_tail(fixed)}")
        changed = {path: text for path in paths if (text := (root / path).read_bytes().decode()) != files[path]}
        checked = _call(executable, tool.check, paths, root, timeout_s)
        if not changed:
            detail = "" if checked.returncode == 0 else f": {_tail(checked)}"
            return Outcome(refusal=tool.nothing_to_do + detail)
        if checked.returncode != 0:
            raise ToolFailed(f"the result of {tool.name} does not pass its own check: {_tail(checked)}")
        return Outcome(changed)


def _executable(name: str) -> str:
    # The worker's own environment: a repository can bring configuration, never the program that reads it.
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        raise ToolFailed(f"{name} is not installed in the worker's environment")
    return found


def _call(
    executable: str, arguments: tuple[str, ...], paths: list[str], root: Path, timeout_s: float
) -> subprocess.CompletedProcess[bytes]:
    # A minimal environment: no proxies, tokens or user configuration reach the tool; caches stay in `root`.
    env = {"PATH": os.defpath, "HOME": str(root), "XDG_CACHE_HOME": str(root / ".cache"), "LANG": "C.UTF-8"}
    try:
        return subprocess.run(
            [executable, *arguments, "--", *paths],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ToolFailed(f"{Path(executable).name} did not finish within {timeout_s:g} s") from None


def _tail(process: subprocess.CompletedProcess[bytes], limit: int = 600) -> str:
    text = (process.stderr or process.stdout).decode(errors="replace").strip()
    return text[-limit:] if text else "no output"
