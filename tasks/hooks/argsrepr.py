"""Redaction of `argsrepr`/`kwargsrepr`, so Flower, task events and logs never show secrets.

Two places: the platform app's message factory (`RedactingAMQP`), whose reprs also go
into the `task-sent` event, and the `before_task_publish` hook, which rewrites the
headers of every message published from this process, by any app, `send_task` included.
The hook leaves alone the reprs the message factory has just made (the very same string
objects, in this thread, made with the secrets the hook would use), so the platform app's
messages are redacted once, not twice.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Final

from celery.app.amqp import AMQP
from celery.utils.saferepr import saferepr

from tasks.core.events import Hook
from tasks.redaction import redact, remembered

#: Celery's default bound on an argument repr (`argsrepr_maxsize`).
REPR_MAX_CHARS: Final = 1024


def redacted_repr(value: Any, secrets: Sequence[str]) -> str:
    return str(saferepr(redact(value, secrets), REPR_MAX_CHARS))


class _Made(threading.local):
    """The reprs the message factory made last in this thread."""

    argsrepr: str | None = None
    kwargsrepr: str | None = None
    #: The configured and the remembered secrets they were made with.
    secrets: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


_made = _Made()


class RedactionHook(Hook):
    name = "redaction"

    def __init__(self, secrets: Sequence[str]):
        self.secrets = tuple(secrets)

    def before_publish(self, *, headers: dict[str, Any], body: Any) -> None:
        if "task" not in headers or not isinstance(body, list | tuple) or len(body) < 2:
            return
        # Compared by identity: a repr replaced after the factory (a caller's `headers=`) is redacted again.
        made = _made.argsrepr
        if (
            made is not None
            and headers.get("argsrepr") is made
            and headers.get("kwargsrepr") is _made.kwargsrepr
            and _made.secrets == (self.secrets, remembered())
        ):
            return
        headers["argsrepr"] = redacted_repr(body[0], self.secrets)
        headers["kwargsrepr"] = redacted_repr(body[1], self.secrets)


class RedactingAMQP(AMQP):  # type: ignore[misc]  # celery ships no type hints
    """The platform app's message factory: reprs are redacted before the message and its events exist.

    Celery builds it once per app, on first use; it keeps the secrets of `app.settings` from then on.
    """

    def __init__(self, app: Any):
        super().__init__(app)
        self.secrets: tuple[str, ...] = tuple(app.settings.secrets())

    def as_task_v2(
        self, task_id: str, name: str, args: Any = None, kwargs: Any = None, *rest: Any, **options: Any
    ) -> Any:
        if options.get("argsrepr") is None and options.get("kwargsrepr") is None:
            _made.secrets = (self.secrets, remembered())
            _made.argsrepr = options["argsrepr"] = redacted_repr(args or (), self.secrets)
            _made.kwargsrepr = options["kwargsrepr"] = redacted_repr(kwargs or {}, self.secrets)
        else:
            # A caller's own repr is not the factory's: the hook redacts the message from its body.
            _made.argsrepr = _made.kwargsrepr = None
            if options.get("argsrepr") is None:
                options["argsrepr"] = redacted_repr(args or (), self.secrets)
            if options.get("kwargsrepr") is None:
                options["kwargsrepr"] = redacted_repr(kwargs or {}, self.secrets)
        return super().as_task_v2(task_id, name, args, kwargs, *rest, **options)
