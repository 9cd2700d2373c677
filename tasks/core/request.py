"""The worker-side request of platform tasks: hard time limits, lost workers and poison messages.

These are seen only in the worker's main process (the pool process is gone), so
they are handled here and reported to the hooks (celery/worker/request.py:
`on_timeout` for the hard limit, `on_failure` with `WorkerLostError`).
"""

from __future__ import annotations

import logging
from typing import Any

from billiard.einfo import ExceptionWithTraceback
from billiard.exceptions import TimeLimitExceeded, WorkerLostError
from celery.utils.saferepr import saferepr
from celery.worker import state
from celery.worker.request import Request

from tasks.core.events import emit
from tasks.liveness import deliveries

log = logging.getLogger(__name__)


class PlatformRequest(Request):  # type: ignore[misc]  # celery ships no type hints
    _poison_checked = False

    def revoked(self) -> bool:
        """Also True for a poison message, which is dead-lettered here instead of run.

        Celery's per-task request class replaces `execute_using_pool`, but that method
        asks `revoked()` first and skips the task when it answers True.
        """
        if not self._poison_checked and self.delivery_info.get("redelivered"):
            self._poison_checked = True
            if self._is_poison():
                self._drop_as_poison()
                return True
        revoked: bool = super().revoked()
        return revoked

    def on_accepted(self, pid: int, time_accepted: float) -> None:
        super().on_accepted(pid, time_accepted)
        # Counted here, not in the pool process, so a task that kills its process is counted too.
        emit("started", request=self)

    def on_timeout(self, soft: bool, timeout: float) -> None:
        super().on_timeout(soft, timeout)
        if not soft and not state.should_terminate:
            emit("time_limit", request=self, error=TimeLimitExceeded(timeout))

    def on_failure(self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False) -> None:
        # Count before Celery requeues the message, so its redelivery sees the count.
        if self._lost_worker(exc_info.exception):
            emit("worker_lost", request=self)
        super().on_failure(exc_info, send_failed_event=send_failed_event, return_ok=return_ok)

    def _lost_worker(self, error: BaseException) -> bool:
        if isinstance(error, ExceptionWithTraceback):
            error = error.exc
        if state.should_terminate or self._already_cancelled or self._already_revoked:
            return False
        return isinstance(error, WorkerLostError | SystemExit)

    def _is_poison(self) -> bool:
        try:
            max_deliveries: int = self.task.settings.dlq.max_deliveries
            return deliveries.losses(self.id) >= max_deliveries
        except Exception:
            log.exception("could not read the lost deliveries of %s[%s]; running it", self.name, self.id)
            return False

    def _drop_as_poison(self) -> None:
        limit = self.task.settings.dlq.max_deliveries
        error = WorkerLostError(
            f"the worker died in each of the last {limit} deliveries (TASKS_DLQ__MAX_DELIVERIES={limit}); "
            "dead-lettered instead of run again"
        )
        state.task_ready(self)
        self.task.backend.mark_as_failure(self.id, error, request=self._context, store_result=self.store_errors)
        emit("poisoned", request=self, error=error)
        self._already_revoked = True
        self.acknowledge()
        self.send_event("task-failed", exception=saferepr(error))
