"""The consumer watchdog: a worker idle while its queues wait restarts its consumer.

A worker can stay connected to Redis and answer pings yet fetch nothing more, after a
reconnect (celery/celery#8030, #8384) or when its consumer lost a queue behind its
back. Seen from outside, its queues hold messages while it runs and holds nothing.
The watchdog samples that every few seconds from its own broker connection; when it
lasts `consumer_watchdog_s` with no task taken meanwhile, it makes the consumer go
through Celery's own reconnect: connection closed, consumers declared again.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any

from celery import bootsteps
from celery.worker import state
from kombu.connection import Connection

log = logging.getLogger(__name__)


class ConsumerStuck(ConnectionResetError):
    """Raised in the consumer's event loop: Celery's reconnect path takes it as a lost connection."""


def waiting(connection: Connection, queues: list[str]) -> dict[str, int]:
    """The queues among `queues` that hold messages, with their counts."""
    counts: dict[str, int] = {}
    for name in queues:
        # A channel per queue: a failed passive declare closes an AMQP channel.
        with connection.channel() as channel:
            try:
                counts[name] = channel.queue_declare(queue=name, passive=True).message_count
            except connection.channel_errors:
                continue  # an empty Redis queue does not exist
    return {name: count for name, count in counts.items() if count}


def idle() -> bool:
    """True when this worker runs no task and holds none waiting for a pool process."""
    return not state.active_requests and not state.reserved_requests


class Watchdog(threading.Thread):
    """Samples the worker's queues and, when it is stuck for `after_s`, restarts its consumer."""

    def __init__(self, consumer: Any, after_s: float):
        super().__init__(name="consumer-watchdog", daemon=True)
        self.consumer = consumer
        self.after_s = after_s
        self.interval_s = max(0.5, after_s / 5)
        self.stopping = threading.Event()
        self.running = threading.Event()
        self.generation = 0
        self.suspect_since: float | None = None
        self.taken_at_suspicion = 0

    def resume(self) -> None:
        """The consumer (re)started: whatever was suspected before belongs to the old connection."""
        self.generation += 1
        self.suspect_since = None
        self.running.set()

    def pause(self) -> None:
        self.running.clear()
        self.suspect_since = None

    def run(self) -> None:
        connection: Connection = self.consumer.app.connection_for_read()
        try:
            while not self.stopping.wait(self.interval_s):
                if not self.running.is_set():
                    continue
                try:
                    self.check(connection)
                except Exception as error:
                    log.warning("consumer watchdog could not read the queues: %s", error)
                    self.suspect_since = None
                    connection.collect()
        finally:
            connection.release()

    def intended_queues(self) -> list[str]:
        return [queue.name for queue in self.consumer.app.amqp.queues.consume_from.values()]

    def check(self, connection: Connection) -> None:
        queues = self.intended_queues()
        held = waiting(connection, queues) if queues and idle() else {}
        taken = state.all_total_count[0]
        if not held or not idle():
            self.suspect_since = None
            return
        now = time.monotonic()
        if self.suspect_since is None or taken != self.taken_at_suspicion:
            self.suspect_since, self.taken_at_suspicion = now, taken
            return
        if now - self.suspect_since >= self.after_s:
            self.suspect_since = None
            self.recover(held)

    def recover(self, held: dict[str, int]) -> None:
        log.error(
            "consumer watchdog: idle for %.0f s while %s hold messages (%s); restarting the consumer",
            self.after_s,
            ", ".join(sorted(held)),
            ", ".join(f"{name}={count}" for name, count in sorted(held.items())),
        )
        hub = self.consumer.hub
        if hub is None:
            # No event loop to interrupt (solo or threads pool): exit, the supervisor restarts us.
            log.critical("consumer watchdog: no event loop to restart; stopping the worker")
            os.kill(os.getpid(), signal.SIGTERM)
            return
        generation = self.generation

        def interrupt() -> None:
            if generation == self.generation:
                raise ConsumerStuck("consumer watchdog: the consumer took no message from waiting queues")

        hub.call_soon(interrupt)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=self.interval_s + 5)


class ConsumerWatchdog(bootsteps.StartStopStep):  # type: ignore[misc]
    """Consumer bootstep running one `Watchdog` for the worker's life (off at 0 s)."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any):
        super().__init__(parent, **kwargs)
        self.watchdog: Watchdog | None = None

    def start(self, parent: Any) -> None:
        after_s = parent.app.settings.worker.consumer_watchdog_s
        if not after_s:
            return
        if self.watchdog is None:
            self.watchdog = Watchdog(parent, after_s)
            self.watchdog.start()
        self.watchdog.resume()

    def stop(self, parent: Any) -> None:
        if self.watchdog is not None:
            self.watchdog.pause()

    def shutdown(self, parent: Any) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()
            self.watchdog = None
