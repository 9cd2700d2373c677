"""One summary comment per pull request, found again by a hidden marker and edited in place."""

from __future__ import annotations

from typing import Any

from tasks.github.client import GitHubClient
from tasks.github.errors import NotFound
from tasks.github.state import MARK_TTL_S, comment_key
from tasks.redis_client import get_redis

#: Invisible in the rendered comment; marks the platform's own summary.
MARKER = "<!-- tasks-platform:pr-summary -->"
#: Two analyses finishing together must not both create a comment.
LOCK_TIMEOUT_S = 60


def render(head_sha: str, analyses: list[dict[str, Any]]) -> str:
    """The comment's Markdown: one section per failed check run of the head commit."""
    lines = [MARKER, f"### Failed checks on `{head_sha[:12]}`", ""]
    if not analyses:
        lines.append("No failed check runs on this commit.")
    for analysis in analyses:
        confidence = round(float(analysis["confidence"]) * 100)
        lines.append(
            f"**{analysis['name']}**: `{analysis['category']}` ({confidence}% confidence), "
            f"suggested fix: `{analysis['fix_strategy']}`"
        )
        lines.append(f"> {analysis['summary']}")
        errors = analysis.get("errors") or []
        if errors:
            lines.append("")
            lines.append("```")
            for error in errors[:10]:
                where = f"{error['file']}:{error['line']}: " if error.get("file") and error.get("line") else ""
                lines.append(f"{where}{error['message']}")
            lines.append("```")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def upsert(client: GitHubClient, repository: str, number: int, body: str) -> int:
    """Edit the platform's comment on the pull request, or create it; returns its id."""
    with get_redis().lock(comment_key(repository, number) + ":lock", timeout=LOCK_TIMEOUT_S, blocking_timeout=30):
        known = get_redis().get(comment_key(repository, number))
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
        get_redis().set(comment_key(repository, number), str(comment_id), ex=MARK_TTL_S)
        return comment_id


def _find(client: GitHubClient, repository: str, number: int) -> int | None:
    comments, _ = client.get_all(f"/repos/{repository}/issues/{number}/comments")
    for comment in comments:
        if MARKER in str(comment.get("body", "")):
            return int(comment["id"])
    return None
