"""The thread in each worker's main process that beats and reaps every `heartbeat_s`."""

from __future__ import annotations

import logging
import threading

from celery import Celery

from tasks.liveness import heartbeat, reaper
from tasks.settings import WorkerSettings

log = logging.getLogger(__name__)


class LivenessMonitor(threading.Thread):
    def __init__(self, app: Celery, hostname: str, settings: WorkerSettings):
        super().__init__(name="liveness", daemon=True)
        self.app = app
        self.hostname = hostname
        self.settings = settings
        self.stopping = threading.Event()

    def run(self) -> None:
        while True:
            self.tick()
            if self.stopping.wait(self.settings.heartbeat_s):
                return

    def tick(self) -> None:
        try:
            heartbeat.beat(self.hostname, self.settings, heartbeat.held_tags())
            reaper.reap(self.app, self.hostname, self.settings)
        except Exception:
            log.exception("liveness heartbeat or reaper failed; retrying in %s s", self.settings.heartbeat_s)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=self.settings.heartbeat_s + 5)
        heartbeat.stop(self.hostname)
