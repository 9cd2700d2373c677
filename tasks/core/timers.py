"""Sweeping cancelled entries out of the worker's event-loop timer.

Every task with a time limit puts an entry for its soft limit on the main process's
timer (kombu's `Timer`, a heap); when the task ends in time Celery cancels the entry,
but kombu leaves it in the heap until its time comes. The main process then holds
every task of the last `soft_s` seconds (300 s on the default queue, 3,600 s on
uploads), about 0.3 KB each: its memory grows with throughput times the soft limit.
A consumer step sweeps them out every `SWEEP_INTERVAL_S`.
"""

from __future__ import annotations

import heapq
from typing import Any, Final

from celery import bootsteps

#: How often cancelled timer entries are dropped, seconds: at most this long's worth remain.
SWEEP_INTERVAL_S: Final = 10.0


def sweep(timer: Any) -> int:
    """Drop the cancelled entries from a kombu `Timer`'s heap; returns how many."""
    queue: list[Any] = timer._queue
    live = [event for event in queue if not event.entry.canceled]
    dropped = len(queue) - len(live)
    if dropped:
        heapq.heapify(live)
        # In place: the timer's running iterator holds this very list.
        queue[:] = live
    return dropped


class TimerSweep(bootsteps.StartStopStep):  # type: ignore[misc]  # celery ships no type hints
    """Consumer step: sweeps the event loop's timer while the consumer runs."""

    label = "timer sweep"

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.tref: Any = None

    def start(self, parent: Any) -> None:
        hub = getattr(parent, "hub", None)
        if hub is not None:
            self.tref = hub.call_repeatedly(SWEEP_INTERVAL_S, sweep, hub.timer)

    def stop(self, parent: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
