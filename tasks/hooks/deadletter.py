"""The dead-letter hook: every job that failed for good becomes a dead-letter entry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tasks.core.budget import counted_retries
from tasks.core.events import Hook
from tasks.deadletter import store
from tasks.deadletter.reasons import Reason, classify
from tasks.liveness import deliveries
from tasks.queues import queue_for
from tasks.settings import DlqSettings


class DeadLetterHook(Hook):
    name = "dead_letter"

    def __init__(self, settings: DlqSettings, secrets: Sequence[str]):
        self.settings = settings
        self.secrets = tuple(secrets)

    def failure(self, *, task: Any, task_id: str, error: BaseException, args: Any, kwargs: Any) -> None:
        request = task.request
        self._record(
            task_id=task_id,
            name=task.name,
            budget=request,
            delivery=getattr(request, "delivery_info", None),
            args=args,
            kwargs=kwargs,
            worker=getattr(request, "hostname", None),
            reason=classify(task, error),
            error=error,
        )

    def time_limit(self, *, request: Any, error: BaseException) -> None:
        self._record_request(request, error, "time_limit")

    def poisoned(self, *, request: Any, error: BaseException) -> None:
        self._record_request(request, error, "worker_lost")
        deliveries.forget(request.id)

    def _record_request(self, request: Any, error: BaseException, reason: Reason) -> None:
        """A failure seen by the main process, from its request (the task's context is gone)."""
        self._record(
            task_id=request.id,
            name=request.name,
            budget=request.request_dict,
            delivery=request.delivery_info,
            args=request.args,
            kwargs=request.kwargs,
            worker=request.hostname,
            reason=reason,
            error=error,
        )

    def _record(
        self,
        *,
        task_id: str,
        name: str,
        budget: Any,
        delivery: dict[str, Any] | None,
        args: Any,
        kwargs: Any,
        worker: str | None,
        reason: Reason,
        error: BaseException,
    ) -> None:
        """The one way an entry is built: `budget` is what carries the retry-budget headers."""
        delivery = delivery or {}
        priority = delivery.get("priority")
        store.record(
            task_id=task_id,
            task=name,
            queue=delivery.get("routing_key") or queue_for(name).value,
            args=list(args or ()),
            kwargs=dict(kwargs or {}),
            reason=reason,
            exception=error,
            retries=counted_retries(budget),
            worker=worker,
            dlq=self.settings,
            secrets=self.secrets,
            # Publishing options to replay with (the queue is kept in the entry itself).
            options={"priority": priority} if priority is not None else {},
        )
