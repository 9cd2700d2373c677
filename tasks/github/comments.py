"""One summary comment per pull request, found again by a hidden marker and edited in place.

It shows the checks of one head (the one analysed, or the one whose checks just
finished): per failed check the diagnosis and its repair (queued, pushed, refused
or suggested, with why), and under it the repairs made on the pull request so far.
Check names, log lines and reasons are the repository's text: they are kept out
of the Markdown's structure (table cells escaped, code fenced longer than any
backtick run inside).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from tasks.github import history, state
from tasks.github.client import GitHubClient
from tasks.github.errors import NotFound
from tasks.github.history import Event
from tasks.github.state import MARK_TTL_S, comment_key
from tasks.redis_client import get_redis

#: Invisible in the rendered comment; marks the platform's own summary.
MARKER = "<!-- tasks-platform:pr-summary -->"
#: Two refreshes at once must neither both create a comment nor write an older view last.
LOCK_TIMEOUT_S = 60
#: Repairs listed under the head's checks (the most recent ones).
HISTORY_ROWS = 10

HEADINGS = {"failure": "failing", "success": "all passed", "pending": "running"}


def refresh(client: GitHubClient, repository: str, number: int, head_sha: str, head_state: str) -> int:
    """Render the head's checks and the pull request's repairs into its summary comment.

    Read, rendered and written under one lock: a refresh that read before another one's
    analysis or fix was saved must not write its older view over that one's.
    """
    with get_redis().lock(comment_key(repository, number) + ":lock", timeout=LOCK_TIMEOUT_S, blocking_timeout=30):
        analyses = [a for a in state.load_analyses(repository, number) if a.get("head_sha") == head_sha]
        body = render(repository, number, head_sha, head_state, analyses, history.load(repository, number))
        return _upsert(client, repository, number, body)


def has_comment(repository: str, number: int) -> bool:
    return bool(get_redis().exists(comment_key(repository, number)))


def render(
    repository: str,
    number: int,
    head_sha: str,
    head_state: str,
    analyses: list[dict[str, Any]],
    events: list[Event],
) -> str:
    """The comment's Markdown."""
    lines = [MARKER, f"### Checks on `{head_sha[:12]}`: {HEADINGS.get(head_state, head_state)}", ""]
    made_by = history.pushed_as(events, head_sha)
    if made_by is not None:
        lines += [f"This commit is the platform's `{made_by.strategy}` fix of `{made_by.head_sha[:12]}`.", ""]
    if not analyses and head_state != "pending":
        lines += ["No failed check runs on this commit." if head_state == "success" else "Analysing...", ""]
    for analysis in analyses:
        lines += _check_section(repository, number, head_sha, analysis, events)
    if events:
        lines += [
            "#### Repairs on this pull request",
            "",
            "| When | Head | Check | Repair | Outcome |",
            "|---|---|---|---|---|",
        ]
        for event in events[-HISTORY_ROWS:]:
            lines.append(
                f"| {event.at} | `{event.head_sha[:12]}` | {_cell(event.check or '')} | "
                f"{_cell(event.strategy or 'none')} | {_cell(describe(event))} |"
            )
    return "\n".join(lines).rstrip() + "\n"


def describe(event: Event) -> str:
    """An event in a few words: what was done and why."""
    if event.outcome == "pushed":
        return f"pushed {(event.commit_sha or '')[:12]}: {event.reason}"
    labels = {"queued": "queued", "not_queued": "not queued", "rerun": "re-ran", "suggested": "suggested"}
    return f"{labels.get(event.outcome, event.outcome)}: {event.reason}"


def _check_section(
    repository: str, number: int, head_sha: str, analysis: dict[str, Any], events: list[Event]
) -> list[str]:
    confidence = round(float(analysis["confidence"]) * 100)
    lines = [f"**{analysis['name']}**: `{analysis['category']}` ({confidence}% confidence)", f"> {analysis['summary']}"]
    errors = analysis.get("errors") or []
    if errors:
        quoted = [
            (f"{error['file']}:{error['line']}: " if error.get("file") and error.get("line") else "") + error["message"]
            for error in errors[:10]
        ]
        lines += ["", *fenced("\n".join(quoted))]
    decision = _last(events, head_sha, check=analysis["name"])
    strategy = decision.strategy if decision is not None else None
    outcome = _last(events, head_sha, strategy=strategy) if strategy else None
    lines.append("")
    if decision is None:
        lines.append("Repair: deciding...")
    elif strategy is None:
        lines.append(f"Repair: none: {decision.reason}.")
    elif outcome is not None:
        lines.append(f"Repair: `{strategy}`, {describe(outcome)}")
        if outcome.suggestion:
            lines += ["", "<details><summary>Suggested patch</summary>", "", *fenced(outcome.suggestion, "diff")]
            lines += ["", "</details>"]
    elif decision.outcome == "queued":
        lines.append(f"Repair: `{strategy}`, queued.")
    else:
        kwargs = {"repository": repository, "number": number, "strategy": strategy, "expected_head_sha": head_sha}
        lines.append(f"Repair: `{strategy}`, {describe(decision)}. To apply it:")
        lines += ["", *fenced(f"celery -A tasks call pr.apply_fix --kwargs '{json.dumps(kwargs)}'", "sh")]
    lines.append("")
    return lines


def _last(events: list[Event], head_sha: str, *, check: str | None = None, strategy: str | None = None) -> Event | None:
    """The latest decision for a check of the head, or the latest outcome of a strategy on it."""
    for event in reversed(events):
        if event.head_sha != head_sha:
            continue
        if check is not None and event.check == check:
            return event
        if strategy is not None and event.check is None and event.strategy == strategy:
            return event
    return None


def fenced(text: str, language: str = "") -> list[str]:
    """A code block no line of `text` can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, *text.splitlines(), fence]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _upsert(client: GitHubClient, repository: str, number: int, body: str) -> int:
    """Edit the platform's comment on the pull request, or create it; returns its id.

    A body equal to the one last written is not sent again. The caller holds the comment's lock.
    """
    name = comment_key(repository, number)
    digest = hashlib.sha256(body.encode()).hexdigest()
    known, written = get_redis().mget(name, name + ":body")
    if known and written == digest:
        return int(known)
    comment_id = int(known) if known else _find(client, repository, number)
    if comment_id is not None:
        try:
            client.request("PATCH", f"/repos/{repository}/issues/comments/{comment_id}", json_body={"body": body})
        except NotFound:
            comment_id = None
    if comment_id is None:
        created = client.request("POST", f"/repos/{repository}/issues/{number}/comments", json_body={"body": body})
        comment_id = int(created["id"])
    # Forgetting the id is harmless (it is found again among the comments), so it expires.
    get_redis().set(name, str(comment_id), ex=MARK_TTL_S)
    get_redis().set(name + ":body", digest, ex=MARK_TTL_S)
    return comment_id


def _find(client: GitHubClient, repository: str, number: int) -> int | None:
    comments, _ = client.get_all(f"/repos/{repository}/issues/{number}/comments")
    for comment in comments:
        if MARKER in str(comment.get("body", "")):
            return int(comment["id"])
    return None
