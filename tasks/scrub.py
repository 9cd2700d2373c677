"""Masking with the process's own secrets: the configured ones, given by the caller, and those minted at run time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from celery.exceptions import TaskPredicate

from tasks.redaction import redact_text

#: Bound on the chain of causes and contexts walked from one exception.
MAX_CHAIN: Final = 16


def scrub_text(text: str, secrets: Sequence[str]) -> str:
    """`text` with every configured (`secrets`) and minted secret masked, and its URLs redacted."""
    return redact_text(text, secrets)


def scrub_exception(error: BaseException, secrets: Sequence[str]) -> BaseException:
    """Mask secrets in the string arguments of `error` and of its causes, in place.

    The worker turns a task's exception into the stored result, the `task-failed` event
    Flower shows, the traceback and the dead letter: masking its arguments once, where it
    leaves the task, covers them all. Celery's own control-flow exceptions are left alone.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < MAX_CHAIN:
        seen.add(id(current))
        if not isinstance(current, TaskPredicate):
            current.args = tuple(redact_text(arg, secrets) if isinstance(arg, str) else arg for arg in current.args)
        current = current.__cause__ or current.__context__
    return error
