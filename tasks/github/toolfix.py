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
from tasks.github.fixes import FixResult, Head, commit_message, commit_onto, create_blob, head_files, writable_head

#: File modes a tool may rewrite: plain and executable files (never symlinks or submodules).
REGULAR_MODES = frozenset({"100644", "100755"})


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    timeout_s: float


class Unreadable(Exception):
    """A file cannot be handed to a tool: absent, not a regular file, too large, or not UTF-8."""


def apply_tool(
    client: GitHubClient,
    repository: str,
    number: int,
    strategy: str,
    tool: tools.Tool,
    files: list[str],
    expected_head_sha: str,
    limits: Limits,
) -> FixResult:
    head = writable_head(client, repository, number, expected_head_sha)
    if isinstance(head, FixResult):
        return head
    entries, truncated = head_files(client, head)
    try:
        sources = {path: _read(client, head, entries, path, limits, truncated) for path in files}
        configs = {
            name: _read(client, head, entries, name, limits, False) for name in tools.CONFIG_FILES if name in entries
        }
    except Unreadable as error:
        return FixResult(False, str(error))
    try:
        outcome = tools.run(tool, sources, configs, limits.timeout_s)
    except tools.ToolFailed as error:
        return FixResult(False, str(error))
    if outcome.refusal is not None:
        return FixResult(False, outcome.refusal)
    changes = [
        {"path": path, "mode": entries[path]["mode"], "type": "blob", "sha": create_blob(client, head.repository, text)}
        for path, text in sorted(outcome.changed.items())
    ]
    result = commit_onto(client, head, changes, commit_message(number, strategy))
    if not result.applied:
        return result
    return FixResult(
        True, f"{result.reason}: {tool.name} changed {', '.join(sorted(outcome.changed))}", result.commit_sha
    )


def _read(client: GitHubClient, head: Head, entries: dict[str, Any], path: str, limits: Limits, truncated: bool) -> str:
    entry = entries.get(path)
    if entry is None:
        hint = " (the tree listing was truncated)" if truncated else ""
        raise Unreadable(f"{path} is not in the head commit{hint}")
    if entry.get("mode") not in REGULAR_MODES:
        raise Unreadable(f"{path} is not a regular file (mode {entry.get('mode')})")
    # The listing's size is checked first, so an oversized file is never downloaded.
    if int(entry.get("size", 0)) > limits.max_file_bytes:
        raise Unreadable(f"{path} is larger than TASKS_GITHUB__FIX_TOOL_MAX_FILE_BYTES ({limits.max_file_bytes})")
    found = client.request("GET", f"/repos/{head.repository}/contents/{quote(path)}", params={"ref": head.sha})
    if not isinstance(found, dict) or found.get("type") != "file" or found.get("encoding") != "base64":
        raise Unreadable(f"{path} could not be read through the contents API")
    content = base64.b64decode(found["content"])
    if len(content) > limits.max_file_bytes:
        raise Unreadable(f"{path} is larger than TASKS_GITHUB__FIX_TOOL_MAX_FILE_BYTES ({limits.max_file_bytes})")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(f"{path} is not UTF-8 text") from None
