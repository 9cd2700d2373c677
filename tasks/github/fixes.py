"""Guarded fixes: re-run failed jobs, or commit a caller's unified diff onto the PR's head branch.

The guards (`writable_head`) and the commit writing (`commit_onto`) are shared
with the tool fixes of `toolfix`.

A patch is written through the Git Data API (blobs, a tree on the head's tree, a
commit whose only parent is the head, then a fast-forward ref update: never a
force push), and only after checking that the head is still the one the caller
saw and that its branch is neither the repository's default branch nor protected.
Every commit carries the trailer `Fixed-by: tasks-platform (<strategy>)`: the
platform does not run its own tools or model on a head it wrote, and counts its
commits on a pull request against TASKS_GITHUB__MAX_FIX_COMMITS. Refusals are
results (`applied: false` with the reason), not errors. Branch names go into URLs
percent-encoded: `main#x` is a valid name, and `#` starts a fragment.
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
TRAILER = re.compile(r"^Fixed-by: tasks-platform \(([a-z_]+)\)$", re.MULTILINE)
#: Strategies the platform chooses itself: none of them runs on a head the platform wrote.
AUTOMATIC = frozenset({"format", "lint_fix", "patch_from_model"})


@dataclass(frozen=True)
class FixResult:
    applied: bool
    reason: str
    commit_sha: str | None = None
    #: A model's patch posted instead of committed (TASKS_GITHUB__AUTO_FIX_PATCHES off).
    suggestion: str | None = None
    #: The head a re-run acted on (the one GitHub confirmed), when the caller named none.
    head_sha: str | None = None

    def as_dict(self) -> dict[str, Any]:
        shown = {"applied": self.applied, "reason": self.reason, "commit_sha": self.commit_sha}
        return shown | ({"suggestion": self.suggestion} if self.suggestion is not None else {})


class PatchDoesNotApply(Exception):
    """The diff's context does not match the file on the head commit."""


def rerun_failed_jobs(client: GitHubClient, repository: str, number: int, expected_head_sha: str | None) -> FixResult:
    """Re-run the failed workflow runs of the head GitHub confirms now, never of a remembered one.

    With `expected_head_sha` (an analysis' head), nothing is re-run once the head has moved on.
    """
    on_head = heads.on_current_head(
        client, repository, number, lambda sha: client.get_all(f"/repos/{repository}/actions/runs", {"head_sha": sha})
    )
    head_sha = on_head.sha
    if expected_head_sha is not None and head_sha != expected_head_sha:
        reason = f"head moved: expected {expected_head_sha[:12]}, found {head_sha[:12]}"
        return FixResult(False, reason, head_sha=head_sha)
    runs, _ = on_head.value
    failed = [run["id"] for run in runs if run.get("conclusion") in FAILED_CONCLUSIONS]
    if not failed:
        return FixResult(False, f"no failed workflow run on head {head_sha[:12]}", head_sha=head_sha)
    for run_id in failed:
        client.request("POST", f"/repos/{repository}/actions/runs/{run_id}/rerun-failed-jobs")
    return FixResult(True, f"re-ran the failed jobs of {len(failed)} workflow run(s): {failed}", head_sha=head_sha)


def apply_patch(client: GitHubClient, target: Target, patch: str) -> FixResult:
    head = writable_head(client, target)
    if isinstance(head, FixResult):
        return head
    entries, truncated = head_files(client, head)
    try:
        changed = patched_files(client, head, entries, truncated, PatchSet(patch))
    except PatchDoesNotApply as error:
        return FixResult(False, f"the patch does not apply: {error}")
    return commit_onto(client, head, tree_changes(client, head, changed), commit_message(target))


@dataclass(frozen=True)
class Target:
    """Where a fix goes, and what bounds it: the head the caller saw, its strategy, the commit budget."""

    repository: str
    number: int
    expected_head_sha: str
    strategy: str
    max_fix_commits: int


@dataclass(frozen=True)
class Head:
    """A pull request's head that passed every guard: where a fix commit goes."""

    repository: str
    branch: str
    sha: str
    tree: str


def writable_head(client: GitHubClient, target: Target) -> Head | FixResult:
    """The head to commit onto, or the refusal: closed, moved, unreachable fork, default or protected
    branch, the platform's own commit, or the pull request's commit budget spent."""
    number, repository = target.number, target.repository
    pull = client.request("GET", f"/repos/{repository}/pulls/{number}")
    head = pull["head"]
    if pull.get("state") != "open":
        return FixResult(False, f"pull request #{number} is {pull.get('state')}")
    if head["sha"] != target.expected_head_sha:
        return FixResult(False, f"head moved: expected {target.expected_head_sha[:12]}, found {head['sha'][:12]}")
    head_repo = head.get("repo")
    if head_repo is None:
        return FixResult(False, "the head repository (a fork) no longer exists")
    owner = str(head_repo["full_name"])
    if (head_repo.get("permissions") or {}).get("push") is False:
        return FixResult(False, f"no push access to {owner}")
    if owner != repository and not pull.get("maintainer_can_modify"):
        return FixResult(False, f"the head branch is on the fork {owner}, which does not allow maintainers to push")
    if not re.match(REPOSITORY_PATTERN, owner):
        return FixResult(False, f"the head repository {owner!r} is not an owner/name")
    branch = str(head["ref"])
    refused = branch_refusal(client, owner, branch)
    if refused:
        return FixResult(False, refused)
    commit = client.request("GET", f"/repos/{owner}/git/commits/{head['sha']}")
    own = TRAILER.search(str(commit.get("message") or ""))
    if own and target.strategy in AUTOMATIC:
        reason = f"head {head['sha'][:12]} is the platform's own {own.group(1)} fix: it does not fix its own fix"
        return FixResult(False, reason)
    commits, _ = client.get_all(f"/repos/{repository}/pulls/{number}/commits", conditional=False)
    made = sum(1 for item in commits if TRAILER.search(str((item.get("commit") or {}).get("message") or "")))
    if made >= target.max_fix_commits:
        budget = f"TASKS_GITHUB__MAX_FIX_COMMITS ({target.max_fix_commits})"
        return FixResult(False, f"{made} platform commits on pull request #{number} already: {budget}")
    return Head(owner, branch, str(head["sha"]), str(commit["tree"]["sha"]))


def head_files(client: GitHubClient, head: Head) -> tuple[dict[str, Any], bool]:
    """The head tree's files (path -> tree entry) and whether GitHub truncated the listing."""
    listing = client.request("GET", f"/repos/{head.repository}/git/trees/{head.tree}", params={"recursive": "1"})
    entries = {entry["path"]: entry for entry in listing.get("tree", []) if entry.get("type") == "blob"}
    return entries, bool(listing.get("truncated"))


def commit_message(target: Target) -> str:
    return COMMIT_MESSAGE.format(number=target.number, strategy=target.strategy)


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


@dataclass(frozen=True)
class FileChange:
    path: str
    mode: str
    #: None deletes the file.
    content: str | None


def patched_files(
    client: GitHubClient, head: Head, entries: dict[str, Any], truncated: bool, patch: PatchSet
) -> list[FileChange]:
    """The files as the patch leaves them; raises PatchDoesNotApply unless it applies to the head exactly."""
    return [change for patched in patch for change in _file_changes(client, head, entries, patched, truncated)]


def tree_changes(client: GitHubClient, head: Head, changes: list[FileChange]) -> list[dict[str, Any]]:
    """Tree entries for the changes, their blobs written."""
    return [
        {
            "path": change.path,
            "mode": change.mode,
            "type": "blob",
            "sha": None if change.content is None else create_blob(client, head.repository, change.content),
        }
        for change in changes
    ]


def _file_changes(
    client: GitHubClient, head: Head, entries: dict[str, Any], patched: PatchedFile, truncated: bool
) -> list[FileChange]:
    source_path = strip(patched.source_file)
    target_path = strip(patched.target_file)
    if patched.is_removed_file:
        entry = _entry(entries, source_path, truncated)
        return [FileChange(source_path, str(entry["mode"]), None)]
    if patched.is_added_file:
        if target_path in entries:
            raise PatchDoesNotApply(f"{target_path} already exists")
        original: list[str] = []
        mode = "100644"
    else:
        entry = _entry(entries, source_path, truncated)
        stored = client.request("GET", f"/repos/{head.repository}/git/blobs/{entry['sha']}")
        original = base64.b64decode(stored["content"]).decode("utf-8").splitlines(keepends=True)
        mode = str(entry["mode"])
    changes = [FileChange(target_path, mode, "".join(apply_hunks(original, patched)))]
    if source_path != target_path and not patched.is_added_file:
        changes.append(FileChange(source_path, mode, None))
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
