"""The log-context hook: one log line, with the message's id and name, for what would go unseen."""

from __future__ import annotations

import logging
from typing import Any

from tasks.core.budget import counted_retries
from tasks.core.events import Hook

log = logging.getLogger("tasks.hooks")


class LogContextHook(Hook):
    name = "log_context"

    def rejected(self, *, message: Any, error: BaseException | None) -> None:
        headers = getattr(message, "headers", None) or {}
        log.error(
            "refused message id=%s task=%s content_type=%s: %s",
            headers.get("id", "-"),
            headers.get("task", "-"),
            getattr(message, "content_type", "-"),
            error or "unknown message format",
        )

    def unknown(self, *, message: Any, name: str, task_id: str) -> None:
        log.error("refused message id=%s: unknown task %s", task_id, name)

    def failure(self, *, task: Any, task_id: str, error: BaseException, args: Any, kwargs: Any) -> None:
        request = task.request
        log.error(
            "task %s[%s] failed for good after %s retries (%s counted) on %s: %s: %s",
            task.name,
            task_id,
            getattr(request, "retries", 0),
            counted_retries(request),
            getattr(request, "hostname", "-"),
            type(error).__name__,
            error,
        )

    def time_limit(self, *, request: Any, error: BaseException) -> None:
        log.error(
            "task %s[%s] killed by its hard time limit on %s: %s", request.name, request.id, request.hostname, error
        )

    def worker_lost(self, *, request: Any) -> None:
        log.error("the process running %s[%s] died; the message is requeued", request.name, request.id)

    def poisoned(self, *, request: Any, error: BaseException) -> None:
        log.error("task %s[%s] not run: %s", request.name, request.id, error)
