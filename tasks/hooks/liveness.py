"""The liveness hook: starts and stops the worker's heartbeat and reaper thread."""

from __future__ import annotations

from typing import Any

from tasks.core.events import Hook
from tasks.liveness import LivenessMonitor, deliveries
from tasks.settings import WorkerSettings


class LivenessHook(Hook):
    name = "liveness"

    def __init__(self, settings: WorkerSettings):
        self.settings = settings
        self.monitor: LivenessMonitor | None = None

    def worker_ready(self, *, app: Any, hostname: str) -> None:
        self.monitor = LivenessMonitor(app, hostname, self.settings)
        self.monitor.start()

    def worker_shutdown(self) -> None:
        if self.monitor is not None:
            self.monitor.stop()
            self.monitor = None

    def worker_lost(self, *, request: Any) -> None:
        deliveries.record_loss(request.id)
