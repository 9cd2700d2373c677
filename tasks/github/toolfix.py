"""The `format` and `lint_fix` fixes: files read at the head, a tool run over them, the result committed.

The files and the repository's root configuration files are read at the head
commit (contents API, `ref` = the head SHA) within bounds on their number and
size; `tools.run` rewrites them and checks its own result; the changed files are
committed through the same guarded path as a patch (`fixes.writable_head`,
`fixes.commit_onto`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from tasks.github import tools
from tasks.github.client import GitHubClient
from tasks.github.fixes import (
    FileChange,
    FixResult,
    Head,
    Target,
    commit_message,
    commit_onto,
    head_files,
    tree_changes,
    writable_head,
)

#: File modes a tool may rewrite: plain and executable files (never symlinks or submodules).
REGULAR_MODES = frozenset({"100644", "100755"})


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    timeout_s: float


class Unreadable(Exception):
    """A file cannot be handed to a tool: absent, not a regular file, too large, or not UTF-8."""


def apply_tool(client: GitHubClient, target: Target, tool: tools.Tool, files: list[str], limits: Limits) -> FixResult:
    head = writable_head(client, target)
    if isinstance(head, FixResult):
        return head
    entries, truncated = head_files(client, head)
    try:
        sources = {path: read_file(client, head, entries, path, limits.max_file_bytes, truncated) for path in files}
        configs = {
            name: read_file(client, head, entries, name, limits.max_file_bytes, False)
            for name in tools.CONFIG_FILES
            if name in entries
        }
    except Unreadable as error:
        return FixResult(False, str(error))
    try:
        outcome = tools.run(tool, sources, configs, limits.timeout_s)
    except tools.ToolFailed as error:
        return FixResult(False, str(error))
    if outcome.refusal is not None:
        return FixResult(False, outcome.refusal)
    changes = [FileChange(path, str(entries[path]["mode"]), text) for path, text in sorted(outcome.changed.items())]
    result = commit_onto(client, head, tree_changes(client, head, changes), commit_message(target))
    if not result.applied:
        return result
    return FixResult(
        True, f"{result.reason}: {tool.name} changed {', '.join(sorted(outcome.changed))}", result.commit_sha
    )


#: The setting that bounds the files a tool reads, named in refusals.
MAX_FILE_BYTES = "TASKS_GITHUB__FIX_TOOL_MAX_FILE_BYTES"


def read_file(
    client: GitHubClient,
    head: Head,
    entries: dict[str, Any],
    path: str,
    max_bytes: int,
    truncated: bool,
    bound: str = MAX_FILE_BYTES,
) -> str:
    """A regular UTF-8 file of the head commit, at most `max_bytes` (the setting `bound`); else Unreadable."""
    entry = entries.get(path)
    if entry is None:
        hint = " (the tree listing was truncated)" if truncated else ""
        raise Unreadable(f"{path} is not in the head commit{hint}")
    if entry.get("mode") not in REGULAR_MODES:
        raise Unreadable(f"{path} is not a regular file (mode {entry.get('mode')})")
    # The listing's size is checked first, so an oversized file is never downloaded.
    if int(entry.get("size", 0)) > max_bytes:
        raise Unreadable(f"{path} is larger than {bound} ({max_bytes})")
    found = client.request("GET", f"/repos/{head.repository}/contents/{quote(path)}", params={"ref": head.sha})
    if not isinstance(found, dict) or found.get("type") != "file" or found.get("encoding") != "base64":
        raise Unreadable(f"{path} could not be read through the contents API")
    content = base64.b64decode(found["content"])
    if len(content) > max_bytes:
        raise Unreadable(f"{path} is larger than {bound} ({max_bytes})")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(f"{path} is not UTF-8 text") from None
