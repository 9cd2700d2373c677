"""What a fix may touch: plain relative paths, none matching TASKS_GITHUB__FIX_DENY_PATHS."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from pathspec import GitIgnoreSpec
from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchedFile, PatchSet


def strip(path: str) -> str:
    """A diff's `a/` or `b/` prefix removed."""
    return path[2:] if path.startswith(("a/", "b/")) else path


def parse_unified_diff(text: str) -> PatchSet | None:
    """The diff's files, or None unless it is a unified diff of at least one file with changes."""
    try:
        files = PatchSet(text)
    except UnidiffParseError:
        return None
    if len(files) > 0 and all(len(patched) > 0 or patched.is_removed_file for patched in files):
        return files
    return None


def paths(patch: PatchSet) -> Iterator[str]:
    """Every path the patch reads or writes: both sides of a rename, one side of an add or delete."""
    for patched in patch:
        yield from _paths(patched)


def _paths(patched: PatchedFile) -> Iterator[str]:
    if not patched.is_added_file:
        yield strip(patched.source_file)
    if not patched.is_removed_file:
        yield strip(patched.target_file)


def refusal(path: str, deny: Iterable[str]) -> str | None:
    """Why the path may not be patched, or None."""
    parts = path.split("/")
    if not path or "\\" in path or "\0" in path or any(part in {"", ".", ".."} for part in parts):
        return f"{path!r} is not a plain relative path"
    if any(part.lower() == ".git" for part in parts):
        return f"{path!r} is inside .git"
    # Compared case-insensitively: a case-insensitive checkout (macOS, Windows) would obey either spelling.
    spec = _spec(tuple(deny))
    lowered = path.lower()
    if spec.match_file(lowered) or spec.match_file(lowered + "/"):
        return f"{path!r} matches TASKS_GITHUB__FIX_DENY_PATHS"
    return None


#: What `format` and `lint_fix` rewrite: Python sources only.
PYTHON_SUFFIXES = (".py", ".pyi")


def files_refusal(files: list[str], deny: Iterable[str], max_files: int) -> str | None:
    """Why a tool may not rewrite these files (too many, or one not plain, denied or not Python), or None."""
    if not files:
        return "at least one file is required"
    if len(files) > max_files:
        return f"{len(files)} files, more than TASKS_GITHUB__FIX_TOOL_MAX_FILES ({max_files})"
    refused = [reason for path in files if (reason := refusal(path, deny))]
    refused += [f"{path!r} is not a Python file" for path in files if not path.endswith(PYTHON_SUFFIXES)]
    return "may not rewrite " + "; ".join(refused) if refused else None


@lru_cache(maxsize=8)
def _spec(deny: tuple[str, ...]) -> GitIgnoreSpec:
    return GitIgnoreSpec.from_lines([pattern.lower() for pattern in deny])
