"""Guarded fixes: re-run failed jobs, or commit a caller's unified diff onto the PR's head branch.

The guards (`writable_head`) and the commit writing (`commit_onto`) are shared
with the tool fixes of `toolfix`.

A patch is written through the Git Data API (blobs, a tree on the head's tree, a
commit whose only parent is the head, then a fast-forward ref update: never a
force push), and only after checking that the head is still the one the caller
saw and that its branch is neither the repository's default branch nor protected.
Refusals are results (`applied: false` with the reason), not errors. Branch names
go into URLs percent-encoded: `main#x` is a valid name, and `#` starts a fragment.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from unidiff.patch import PatchedFile, PatchSet

from tasks.github import heads
from tasks.github.client import GitHubClient
from tasks.github.errors import GitHubRequestError
from tasks.github.monitor import FAILED_CONCLUSIONS
from tasks.github.patchscope import strip
from tasks.settings import REPOSITORY_PATTERN

COMMIT_MESSAGE = (
    "Apply suggested fix to pull request #{number}\n\n"
    "Committed by the tasks platform (pr.apply_fix).\n\n"
    "Fixed-by: tasks-platform ({strategy})\n"
)


@dataclass(frozen=True)
class FixResult:
    applied: bool
    reason: str
    commit_sha: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"applied": self.applied, "reason": self.reason, "commit_sha": self.commit_sha}


class PatchDoesNotApply(Exception):
    """The diff's context does not match the file on the head commit."""


def rerun_failed_jobs(client: GitHubClient, repository: str, number: int) -> FixResult:
    """Re-run the failed workflow runs of the head GitHub confirms now, never of a remembered one."""
    on_head = heads.on_current_head(
        client, repository, number, lambda sha: client.get_all(f"/repos/{repository}/actions/runs", {"head_sha": sha})
    )
    head_sha = on_head.sha
    runs, _ = on_head.value
    failed = [run["id"] for run in runs if run.get("conclusion") in FAILED_CONCLUSIONS]
    if not failed:
        return FixResult(False, f"no failed workflow run on head {head_sha[:12]}")
    for run_id in failed:
        client.request("POST", f"/repos/{repository}/actions/runs/{run_id}/rerun-failed-jobs")
    return FixResult(True, f"re-ran the failed jobs of {len(failed)} workflow run(s): {failed}")


def apply_patch(client: GitHubClient, repository: str, number: int, patch: str, expected_head_sha: str) -> FixResult:
    head = writable_head(client, repository, number, expected_head_sha)
    if isinstance(head, FixResult):
        return head
    entries, truncated = head_files(client, head)
    try:
        changes = [
            change
            for patched in PatchSet(patch)
            for change in _tree_changes(client, head.repository, entries, patched, truncated)
        ]
    except PatchDoesNotApply as error:
        return FixResult(False, f"the patch does not apply: {error}")
    return commit_onto(client, head, changes, commit_message(number, "patch"))


@dataclass(frozen=True)
class Head:
    """A pull request's head that passed every guard: where a fix commit goes."""

    repository: str
    branch: str
    sha: str
    tree: str


def writable_head(client: GitHubClient, repository: str, number: int, expected_head_sha: str) -> Head | FixResult:
    """The head to commit onto, or the refusal: closed, moved, unreachable fork, default or protected branch."""
    pull = client.request("GET", f"/repos/{repository}/pulls/{number}")
    head = pull["head"]
    if pull.get("state") != "open":
        return FixResult(False, f"pull request #{number} is {pull.get('state')}")
    if head["sha"] != expected_head_sha:
        return FixResult(False, f"head moved: expected {expected_head_sha[:12]}, found {head['sha'][:12]}")
    head_repo = head.get("repo")
    if head_repo is None:
        return FixResult(False, "the head repository (a fork) no longer exists")
    target = str(head_repo["full_name"])
    if (head_repo.get("permissions") or {}).get("push") is False:
        return FixResult(False, f"no push access to {target}")
    if target != repository and not pull.get("maintainer_can_modify"):
        return FixResult(False, f"the head branch is on the fork {target}, which does not allow maintainers to push")
    if not re.match(REPOSITORY_PATTERN, target):
        return FixResult(False, f"the head repository {target!r} is not an owner/name")
    branch = str(head["ref"])
    refused = branch_refusal(client, target, branch)
    if refused:
        return FixResult(False, refused)
    commit = client.request("GET", f"/repos/{target}/git/commits/{head['sha']}")
    return Head(target, branch, str(head["sha"]), str(commit["tree"]["sha"]))


def head_files(client: GitHubClient, head: Head) -> tuple[dict[str, Any], bool]:
    """The head tree's files (path -> tree entry) and whether GitHub truncated the listing."""
    listing = client.request("GET", f"/repos/{head.repository}/git/trees/{head.tree}", params={"recursive": "1"})
    entries = {entry["path"]: entry for entry in listing.get("tree", []) if entry.get("type") == "blob"}
    return entries, bool(listing.get("truncated"))


def commit_message(number: int, strategy: str) -> str:
    return COMMIT_MESSAGE.format(number=number, strategy=strategy)


def create_blob(client: GitHubClient, repository: str, content: str) -> str:
    created = client.request(
        "POST",
        f"/repos/{repository}/git/blobs",
        json_body={"content": base64.b64encode(content.encode()).decode(), "encoding": "base64"},
    )
    return str(created["sha"])


def commit_onto(client: GitHubClient, head: Head, changes: list[dict[str, Any]], message: str) -> FixResult:
    """A tree of `changes` on the head's tree, a commit whose only parent is the head, a fast-forward of the branch."""
    tree = client.request(
        "POST", f"/repos/{head.repository}/git/trees", json_body={"base_tree": head.tree, "tree": changes}
    )
    new_commit = client.request(
        "POST",
        f"/repos/{head.repository}/git/commits",
        json_body={"message": message, "tree": tree["sha"], "parents": [head.sha]},
    )
    try:
        client.request(
            "PATCH",
            f"/repos/{head.repository}/git/refs/heads/{ref_path(head.branch)}",
            json_body={"sha": new_commit["sha"], "force": False},
        )
    except GitHubRequestError as error:
        if error.status != 422:
            raise
        return FixResult(False, "head moved while the commit was written: the ref update was not a fast-forward")
    return FixResult(True, f"committed onto {head.repository}:{head.branch}", new_commit["sha"])


def ref_path(branch: str) -> str:
    """A branch name as one URL path segment: every reserved character (`#`, `?`, `/`, `%`) encoded."""
    return quote(branch, safe="")


def branch_refusal(client: GitHubClient, repository: str, branch: str) -> str | None:
    """Why the branch may not be written: the repository's default branch, or protected."""
    default = client.request("GET", f"/repos/{repository}").get("default_branch")
    if branch == default:
        return f"the head branch {branch!r} is the default branch of {repository}"
    if client.request("GET", f"/repos/{repository}/branches/{ref_path(branch)}").get("protected"):
        return f"the head branch {branch!r} of {repository} is protected"
    return None


def _tree_changes(
    client: GitHubClient, target: str, entries: dict[str, Any], patched: PatchedFile, truncated: bool
) -> list[dict[str, Any]]:
    source_path = strip(patched.source_file)
    target_path = strip(patched.target_file)
    if patched.is_removed_file:
        _entry(entries, source_path, truncated)
        return [{"path": source_path, "mode": "100644", "type": "blob", "sha": None}]
    if patched.is_added_file:
        if target_path in entries:
            raise PatchDoesNotApply(f"{target_path} already exists")
        original: list[str] = []
        mode = "100644"
    else:
        entry = _entry(entries, source_path, truncated)
        stored = client.request("GET", f"/repos/{target}/git/blobs/{entry['sha']}")
        original = base64.b64decode(stored["content"]).decode("utf-8").splitlines(keepends=True)
        mode = str(entry["mode"])
    blob = create_blob(client, target, "".join(apply_hunks(original, patched)))
    changes: list[dict[str, Any]] = [{"path": target_path, "mode": mode, "type": "blob", "sha": blob}]
    if source_path != target_path and not patched.is_added_file:
        changes.append({"path": source_path, "mode": mode, "type": "blob", "sha": None})
    return changes


def apply_hunks(lines: list[str], patched: PatchedFile) -> list[str]:
    """The file after the hunks; each hunk's context must match exactly where it says."""
    result: list[str] = []
    position = 0
    for hunk in patched:
        start = max(hunk.source_start - 1, 0)
        if start < position:
            raise PatchDoesNotApply(f"{patched.path}: overlapping hunks")
        expected = [line.value for line in hunk if line.is_context or line.is_removed]
        found = lines[start : start + len(expected)]
        if [line.rstrip("\r\n") for line in found] != [line.rstrip("\r\n") for line in expected]:
            raise PatchDoesNotApply(f"{patched.path}: hunk at line {hunk.source_start} does not match")
        result.extend(lines[position:start])
        result.extend(line.value for line in hunk if line.is_context or line.is_added)
        position = start + len(expected)
    result.extend(lines[position:])
    return result


def _entry(entries: dict[str, Any], path: str, truncated: bool) -> Any:
    if path not in entries:
        hint = " (the tree listing was truncated)" if truncated else ""
        raise PatchDoesNotApply(f"{path} is not in the head commit{hint}")
    return entries[path]
