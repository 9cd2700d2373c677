"""The hook protocol and its dispatcher: one class per concern, explicit event methods, failures contained.

The hooks themselves are built and connected to Celery's signals by `tasks.hooks`;
the core only knows the protocol, so its request class can report to them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final, Literal, get_args

log = logging.getLogger(__name__)

#: Events that open something: the hooks run in order.
OpeningEvent = Literal[
    "before_publish",
    "worker_ready",
    "pool_ready",
    "process_created",
    "received",
    "started",
    "prerun",
]

#: Events that report how something ended or close what another event opened: last hook first.
ClosingEvent = Literal[
    "rejected",
    "unknown",
    "postrun",
    "failure",
    "time_limit",
    "worker_lost",
    "poisoned",
    "worker_shutdown",
    "process_shutdown",
]

Event = OpeningEvent | ClosingEvent

#: Every event, opening ones first.
EVENTS: Final[tuple[Event, ...]] = (*get_args(OpeningEvent), *get_args(ClosingEvent))

AFTER_EVENTS: Final[frozenset[Event]] = frozenset(get_args(ClosingEvent))


class Hook:
    """A cross-cutting concern observing tasks; override only the events it uses.

    Where each runs: `before_publish` in whichever process sends; `worker_ready`,
    `pool_ready`, `process_created`, `worker_shutdown`, `received`, `started`, `rejected`, `unknown`, `time_limit`,
    `worker_lost` and `poisoned` in the worker's main process; `prerun`, `postrun`, `failure` and
    `process_shutdown` where the task runs (a pool process). A failure only the main process sees
    (a hard time limit, a lost pool process) comes as `time_limit` or `poisoned`, never as `failure`.
    """

    name = "hook"

    def before_publish(self, *, headers: dict[str, Any], body: Any) -> None:
        """A message is about to be published; `headers` may be rewritten."""

    def worker_ready(self, *, app: Any, hostname: str) -> None:
        """The worker's main process is consuming."""

    def pool_ready(self, *, pool_processes: Any, hostname: str) -> None:
        """The worker is consuming with this pool (billiard's, or None for solo and threads)."""

    def process_created(self) -> None:
        """The main process is about to start a pool process (at start-up or to replace one)."""

    def worker_shutdown(self) -> None:
        """The worker's main process is stopping."""

    def process_shutdown(self) -> None:
        """A pool process is exiting."""

    def received(self, *, request: Any) -> None:
        """The worker took a task message from the broker."""

    def rejected(self, *, message: Any, error: BaseException | None) -> None:
        """A message was refused (unknown format, disallowed serializer)."""

    def unknown(self, *, message: Any, name: str, task_id: str) -> None:
        """A message named a task this worker does not know."""

    def started(self, *, request: Any) -> None:
        """A pool process began running the task (seen from the main process)."""

    def prerun(self, *, task: Any, task_id: str) -> None:
        """A task is about to run."""

    def postrun(self, *, task: Any, task_id: str, state: str | None) -> None:
        """A task ran; `state` is SUCCESS, FAILURE or RETRY."""

    def failure(self, *, task: Any, task_id: str, error: BaseException, args: Any, kwargs: Any) -> None:
        """A task failed for good in its pool process (retries spent or not retryable)."""

    def time_limit(self, *, request: Any, error: BaseException) -> None:
        """A task hit its hard time limit; its pool process was killed."""

    def worker_lost(self, *, request: Any) -> None:
        """The pool process running a task died; the message goes back to the queue."""

    def poisoned(self, *, request: Any, error: BaseException) -> None:
        """A message killed its worker too many times and is dropped instead of run."""


class Hooks:
    """Runs every hook for an event; a hook's own exception is logged and swallowed.

    `OpeningEvent`s run the hooks in order, `ClosingEvent`s in reverse, so the first hook wraps
    the others, as Dramatiq runs its middleware's `before_*` and `after_*`.
    """

    def __init__(self, hooks: Sequence[Hook]):
        self.hooks = tuple(hooks)

    def emit(self, event: Event, **kwargs: Any) -> None:
        for hook in reversed(self.hooks) if event in AFTER_EVENTS else self.hooks:
            try:
                getattr(hook, event)(**kwargs)
            except Exception:
                log.exception("the %s hook failed on %s; the task is not affected", hook.name, event)


_active = Hooks(())


def install(hooks: Hooks) -> None:
    """Make `hooks` the ones this process reports to (by `tasks.hooks.register`, once)."""
    global _active
    _active = hooks


def emit(event: Event, **kwargs: Any) -> None:
    _active.emit(event, **kwargs)
