"""The `patch_from_model` fix: an OpenAI-compatible chat model writes a unified diff for a failure.

The model is given the head's analysed failures (category, tool, summary, key
error lines) and the files they point at, read at the head commit within
TASKS_GITHUB__FIX_MODEL_MAX_CONTEXT_BYTES. Its reply is untrusted: the diff must
parse, stay under TASKS_GITHUB__FIX_MODEL_MAX_PATCH_BYTES, touch no denied path
and apply to the head exactly before anything is written. It is then committed
through the guarded path of every fix, or, with TASKS_GITHUB__AUTO_FIX_PATCHES
off, returned as a suggestion for the summary comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tasks.core.openai_http import endpoint, post_json
from tasks.github import patchscope
from tasks.github.client import GitHubClient
from tasks.github.errors import ModelUnavailable
from tasks.github.fixes import (
    FixResult,
    Head,
    PatchDoesNotApply,
    Target,
    commit_message,
    commit_onto,
    head_files,
    patched_files,
    tree_changes,
    writable_head,
)
from tasks.github.toolfix import Unreadable, read_file
from tasks.settings import GitHubSettings

#: The most files sent with one request.
MAX_CONTEXT_FILES = 8
#: Error lines quoted per failure.
MAX_ERROR_LINES = 20
#: Manifests sent with a dependency failure, when the repository has them at its root.
MANIFESTS = ("pyproject.toml", "requirements.txt", "setup.cfg", "setup.py", "package.json", "Cargo.toml", "go.mod")
CONTEXT_BOUND = "TASKS_GITHUB__FIX_MODEL_MAX_CONTEXT_BYTES"

SYSTEM_PROMPT = (
    "You fix failing CI checks of a Git repository. Reply with one unified diff, as `git diff` prints it "
    "(paths prefixed a/ and b/), inside a single ```diff code block, and nothing else. Change only what the "
    "failure requires. Every hunk's context and removed lines must match the files below exactly."
)


@dataclass(frozen=True)
class ModelConfig:
    url: str = field(repr=False)
    model: str
    api_key: str | None = field(repr=False)
    max_context_bytes: int
    max_patch_bytes: int
    timeout_s: float
    #: TASKS_GITHUB__AUTO_FIX_PATCHES: commit the patch, or only suggest it.
    commit: bool
    deny: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: GitHubSettings) -> ModelConfig | None:
        """None without TASKS_GITHUB__FIX_MODEL_URL: the strategy is then not offered."""
        if settings.fix_model_url is None:
            return None
        key = settings.fix_model_api_key.get_secret_value() if settings.fix_model_api_key else None
        return cls(
            endpoint(str(settings.fix_model_url), "/chat/completions"),
            settings.fix_model,
            key,
            settings.fix_model_max_context_bytes,
            settings.fix_model_max_patch_bytes,
            settings.fix_model_timeout_s,
            settings.auto_fix_patches,
            tuple(settings.fix_deny_paths),
        )


def apply_model_patch(
    client: GitHubClient, target: Target, config: ModelConfig, failures: list[dict[str, Any]]
) -> FixResult:
    """Ask the model for a patch of the head's failures; validate it; commit or suggest it."""
    head = writable_head(client, target)
    if isinstance(head, FixResult):
        return head
    if not failures:
        return FixResult(False, f"no analysed test, type-check, build or dependency failure of head {head.sha[:12]}")
    entries, truncated = head_files(client, head)
    context = context_files(client, head, entries, truncated, failures, config)
    if not context:
        return FixResult(False, "none of the files the failure points at could be read for the model")
    diff = extract_diff(ask(config, messages(failures, context)))
    if diff is None:
        return FixResult(False, "the model's reply holds no diff")
    if len(diff.encode()) > config.max_patch_bytes:
        return FixResult(
            False,
            f"the model's patch is larger than TASKS_GITHUB__FIX_MODEL_MAX_PATCH_BYTES ({config.max_patch_bytes})",
        )
    patch = patchscope.parse_unified_diff(diff)
    if patch is None:
        return FixResult(False, "the model's reply is not a unified diff of at least one file")
    denied = [reason for path in patchscope.paths(patch) if (reason := patchscope.refusal(path, config.deny))]
    if denied:
        return FixResult(False, "the model's patch may not touch " + "; ".join(denied))
    try:
        changed = patched_files(client, head, entries, truncated, patch)
    except PatchDoesNotApply as error:
        return FixResult(False, f"the model's patch does not apply to {head.sha[:12]}: {error}")
    if not config.commit:
        reason = f"TASKS_GITHUB__AUTO_FIX_PATCHES is off: the patch (it applies to {head.sha[:12]}) is suggested"
        return FixResult(False, reason, suggestion=diff)
    result = commit_onto(client, head, tree_changes(client, head, changed), commit_message(target))
    if not result.applied:
        return result
    return FixResult(
        True, f"{result.reason}: the model's patch of {', '.join(c.path for c in changed)}", result.commit_sha
    )


def context_files(
    client: GitHubClient,
    head: Head,
    entries: dict[str, Any],
    truncated: bool,
    failures: list[dict[str, Any]],
    config: ModelConfig,
) -> dict[str, str]:
    """The files the failures name (and the manifests of a dependency failure), within the context budget."""
    named = [
        resolve(str(error["file"]), entries) for f in failures for error in f.get("errors", []) if error.get("file")
    ]
    if any(f.get("category") == "dependency" for f in failures):
        named += [name for name in MANIFESTS if name in entries]
    context: dict[str, str] = {}
    budget = config.max_context_bytes
    for path in dict.fromkeys(p for p in named if p is not None):
        if len(context) == MAX_CONTEXT_FILES or patchscope.refusal(path, config.deny):
            continue
        try:
            text = read_file(client, head, entries, path, budget, truncated, CONTEXT_BOUND)
        except Unreadable:
            # Too large for what is left of the budget, binary, or not a regular file: the others still help.
            continue
        context[path] = text
        budget -= len(text.encode())
    return context


def resolve(reported: str, entries: dict[str, Any]) -> str | None:
    """The tree path of a reported file: as given, or the longest tree path it ends with (CI's absolute paths)."""
    path = reported.strip().removeprefix("./")
    if path in entries:
        return path
    endings = [entry for entry in entries if path.endswith("/" + entry)]
    return max(endings, key=len) if endings else None


def messages(failures: list[dict[str, Any]], context: dict[str, str]) -> list[dict[str, str]]:
    parts = []
    for failure in failures:
        lines = [
            (f"{e['file']}:{e['line']}: " if e.get("file") and e.get("line") else "") + str(e.get("message", ""))
            for e in (failure.get("errors") or [])[:MAX_ERROR_LINES]
        ]
        parts.append(
            f"Check {failure.get('name')!r} failed: {failure.get('category')} ({failure.get('tool')}).\n"
            f"Diagnosis: {failure.get('summary')}\nKey error lines:\n" + "\n".join(lines)
        )
    files = [f"File {path}:\n```\n{text}\n```" for path, text in context.items()]
    user = "\n\n".join(parts) + "\n\nFiles at the head commit:\n\n" + "\n\n".join(files)
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def ask(config: ModelConfig, chat: list[dict[str, str]]) -> str:
    body = {"model": config.model, "messages": chat, "temperature": 0}
    answer = post_json(config.url, body, config.api_key, ModelUnavailable, config.timeout_s)
    try:
        return str(answer["choices"][0]["message"]["content"] or "")
    except (KeyError, IndexError, TypeError):
        return ""


def extract_diff(reply: str) -> str | None:
    """The first fenced block of the reply that holds a diff, or the reply from its first diff header on."""
    lines = reply.splitlines()
    block: list[str] | None = None
    for line in lines:
        if line.startswith("```"):
            if block is None:
                block = []
                continue
            if _is_diff(block):
                return "\n".join(block) + "\n"
            block = None
        elif block is not None:
            block.append(line)
    start = next((i for i, line in enumerate(lines) if line.startswith(("diff --git ", "--- "))), None)
    return "\n".join(lines[start:]) + "\n" if start is not None else None


def _is_diff(block: list[str]) -> bool:
    return any(line.startswith(("--- ", "diff --git ")) for line in block)
