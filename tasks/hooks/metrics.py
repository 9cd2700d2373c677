"""The metrics hook: counts, run time and queue wait into the shared Redis metrics; the worker's own `/metrics`."""

from __future__ import annotations

import logging
import time
from collections.abc import Container
from datetime import datetime
from typing import Any, Final

from prometheus_client import CollectorRegistry

from tasks.core.events import Hook
from tasks.metrics.own import WorkerCollector
from tasks.metrics.prometheus import PortInUse, serve
from tasks.metrics.recorder import Recorder, count_now, known_task
from tasks.settings import MetricsSettings

log = logging.getLogger(__name__)

#: Message header carrying when the message became ready to run (Unix time, seconds).
READY_AT_HEADER: Final = "platform_ready_at"

#: Task outcome per `task_postrun` state.
OUTCOMES: Final = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}


class MetricsHook(Hook):
    name = "metrics"

    def __init__(self, settings: MetricsSettings, *, count_dead_letters: bool):
        self.settings = settings
        self.recorder = Recorder(settings)
        #: Whether jobs that fail for good are dead-lettered, so counted `dead_lettered`.
        self.count_dead_letters = count_dead_letters
        #: The worker's registered task names, from `worker_ready`: others are counted as unknown.
        self.task_names: Container[str] = ()
        self.server: Any = None
        #: Start times of the tasks running in this process, by task id (monotonic seconds).
        self.started_at: dict[str, float] = {}

    def before_publish(self, *, headers: dict[str, Any], body: Any) -> None:
        eta = headers.get("eta")
        ready_at = _iso_timestamp(eta) if eta else None
        headers[READY_AT_HEADER] = max(ready_at or 0.0, time.time())

    def worker_ready(self, *, app: Any, hostname: str) -> None:
        self.task_names = app.tasks
        self.recorder.worker_started(hostname)

    def pool_ready(self, *, pool_processes: Any, hostname: str) -> None:
        """Serve this worker's own series; a taken port stops the worker (a `SystemExit` passes the hooks)."""
        if not self.settings.port:
            return
        registry = CollectorRegistry(auto_describe=False)
        registry.register(WorkerCollector(hostname, lambda: list(getattr(pool_processes, "_pool", None) or ())))
        try:
            self.server = serve(registry, self.settings.port, self.settings.address)
        except PortInUse as error:
            log.critical(
                "cannot serve this worker's /metrics: %s; give each worker on a host its own "
                "TASKS_METRICS__PORT, or 0 to turn it off",
                error.strerror,
            )
            raise SystemExit(f"worker stopped: its metrics port {error.strerror}") from None

    def worker_shutdown(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server = None
        self.recorder.flush()

    def process_shutdown(self) -> None:
        self.recorder.flush()

    def received(self, *, request: Any) -> None:
        self.recorder.count(request.name, "received")

    def rejected(self, *, message: Any, error: BaseException | None) -> None:
        self.recorder.count(known_task(_header(message, "task"), self.task_names), "rejected")

    def unknown(self, *, message: Any, name: str, task_id: str) -> None:
        self.recorder.count(known_task(name, self.task_names), "rejected")

    def started(self, *, request: Any) -> None:
        ready_at = request.request_dict.get(READY_AT_HEADER)
        wait_s = (request.time_start or time.time()) - float(ready_at) if ready_at is not None else None
        self.recorder.started(request.name, wait_s)

    def prerun(self, *, task: Any, task_id: str) -> None:
        self.started_at[task_id] = time.monotonic()

    def postrun(self, *, task: Any, task_id: str, state: str | None) -> None:
        start = self.started_at.pop(task_id, None)
        runtime_s = time.monotonic() - start if start is not None else None
        outcome = OUTCOMES.get(state or "", "failed")
        self.recorder.finished(task.name, outcome, runtime_s, getattr(task.request, "hostname", None))

    def failure(self, *, task: Any, task_id: str, error: BaseException, args: Any, kwargs: Any) -> None:
        self._dead_lettered(task.name)

    def time_limit(self, *, request: Any, error: BaseException) -> None:
        runtime_s = time.time() - request.time_start if request.time_start else None
        self.recorder.finished(request.name, "failed", runtime_s, request.hostname)
        self._dead_lettered(request.name)

    def poisoned(self, *, request: Any, error: BaseException) -> None:
        self.recorder.finished(request.name, "failed", None, request.hostname)
        self._dead_lettered(request.name)

    def _dead_lettered(self, task: str) -> None:
        # The events the dead-letter hook records an entry on; the store keeps entries, not counts.
        # Written at once, not buffered: the count lands with the entry, as when the store wrote it.
        if self.count_dead_letters:
            count_now(task, "dead_lettered")


def _header(message: Any, name: str) -> str | None:
    headers = getattr(message, "headers", None)
    value = headers.get(name) if isinstance(headers, dict) else None
    return str(value) if value else None


def _iso_timestamp(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text).timestamp()
    except (TypeError, ValueError):
        return None
