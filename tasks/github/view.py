"""One pull request as the platform knows it: head, analysed failures and the repair history."""

from __future__ import annotations

from typing import Any

from tasks.github import history, state


def pull_view(repository: str, number: int) -> dict[str, Any]:
    """The document `pr show` prints and the console renders (analyses without their raw errors)."""
    pull = state.load_pull(repository, number)
    return {
        "repository": repository,
        "number": number,
        "pull": pull.model_dump() if pull is not None else None,
        "analyses": [{k: v for k, v in a.items() if k != "errors"} for a in state.load_analyses(repository, number)],
        "history": [event.as_dict() for event in history.load(repository, number)],
    }
