"""A pull request's current head: confirmed before it is read, followed when it moves.

A remembered head goes stale with every push, and a force-push deletes the old commit:
GitHub then answers 422 for its check runs. The head is therefore confirmed with a
conditional request for the pull request (a 304 costs no rate limit), and a 422 for a
SHA's listing is taken for "the head moved": the pull request is read again and the
read repeated on the new head, a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from tasks.errors import RetryableError
from tasks.github.client import GitHubClient
from tasks.github.errors import GitHubRequestError
from tasks.github.state import PullState

T = TypeVar("T")

#: Re-reads of the pull request after a vanished SHA before giving up for now (a retry).
MAX_REREADS = 2


class HeadMoving(RetryableError):
    """The head kept moving while it was read: a later attempt will find it settled."""


def current_pull(client: GitHubClient, repository: str, number: int, *, conditional: bool = True) -> PullState:
    """GitHub's pull request, asked with `If-None-Match` unless `conditional` is False."""
    return PullState.from_api(client.get(f"/repos/{repository}/pulls/{number}", conditional=conditional).data)


def vanished(error: GitHubRequestError) -> bool:
    """GitHub's answer to a commit's listing when the commit no longer exists (a force-push removed it)."""
    return error.status == 422


@dataclass(frozen=True)
class OnHead(Generic[T]):
    sha: str
    value: T
    #: The pull request as GitHub last answered it here; None when `head_sha` was taken as given and held.
    pull: PullState | None


def on_current_head(
    client: GitHubClient,
    repository: str,
    number: int,
    read: Callable[[str], T],
    *,
    head_sha: str | None = None,
    conditional: bool = True,
) -> OnHead[T]:
    """`read(sha)` on `head_sha`, or on the confirmed head; on a vanished SHA, on the head GitHub names now.

    Raises HeadMoving when the SHA read still vanished after MAX_REREADS unconditional re-reads.
    """
    pull = None if head_sha else current_pull(client, repository, number, conditional=conditional)
    head = pull.head_sha if pull is not None else str(head_sha)
    tried = [head]
    for rereads in range(MAX_REREADS + 1):
        try:
            return OnHead(head, read(head), pull)
        except GitHubRequestError as error:
            if not vanished(error):
                raise
        if rereads < MAX_REREADS:
            # A 304 would only say the kept body still stands; after a 422 GitHub itself is asked.
            pull = current_pull(client, repository, number, conditional=False)
            head = pull.head_sha
            tried.append(head)
    raise HeadMoving(
        f"{repository}#{number}: the head moved while it was read ({', '.join(sha[:12] for sha in tried)} "
        f"no longer existed; {MAX_REREADS} re-reads of the pull request)"
    )
