"""The dead-letter hook: every job that failed for good becomes a dead-letter entry."""

from __future__ import annotations

from typing import Any

from billiard.exceptions import TimeLimitExceeded, WorkerLostError

from tasks import deadletter
from tasks.core import deliveries
from tasks.core.budget import counted_retries
from tasks.hooks.base import Hook
from tasks.queues import queue_for


class DeadLetterHook(Hook):
    name = "dead_letter"

    def failure(self, *, task: Any, task_id: str, error: BaseException, args: Any, kwargs: Any) -> None:
        if isinstance(error, TimeLimitExceeded | WorkerLostError):
            return  # recorded from the main process, where the request is known (time_limit, poisoned)
        request = task.request
        delivery = getattr(request, "delivery_info", None) or {}
        deadletter.record(
            task_id=task_id,
            task=task.name,
            queue=delivery.get("routing_key") or queue_for(task.name).value,
            args=list(args or ()),
            kwargs=dict(kwargs or {}),
            reason=deadletter.classify(task, error),
            exception=error,
            retries=counted_retries(request),
            worker=getattr(request, "hostname", None),
            options=_options(delivery),
        )

    def time_limit(self, *, request: Any, error: BaseException) -> None:
        self._record_request(request, error, "time_limit")

    def poisoned(self, *, request: Any, error: BaseException) -> None:
        self._record_request(request, error, "worker_lost")
        deliveries.forget(request.id)

    def _record_request(self, request: Any, error: BaseException, reason: deadletter.Reason) -> None:
        delivery = request.delivery_info or {}
        deadletter.record(
            task_id=request.id,
            task=request.name,
            queue=delivery.get("routing_key") or queue_for(request.name).value,
            args=list(request.args or ()),
            kwargs=dict(request.kwargs or {}),
            reason=reason,
            exception=error,
            retries=counted_retries(request.request_dict),
            worker=request.hostname,
            options=_options(delivery),
        )


def _options(delivery: dict[str, Any]) -> dict[str, Any]:
    """Publishing options to replay with (the queue is kept in the entry itself)."""
    priority = delivery.get("priority")
    return {"priority": priority} if priority is not None else {}
