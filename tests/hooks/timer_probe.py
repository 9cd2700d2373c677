"""Loaded by a test worker (TASKS_WORKER__EXTRA_TASK_MODULES): a remote-control command
reporting the main process's event-loop timer, for the timer sweep's test."""

from __future__ import annotations

from typing import Any

from celery.worker.control import inspect_command

from tests.hooks.sample_tasks import work  # noqa: F401  (the tests' tasks, on the same worker)


@inspect_command()
def timer_entries(state: Any) -> dict[str, int]:
    """The entries in the consumer's timer heap, and how many of them are cancelled."""
    queue = state.consumer.hub.timer._queue
    return {"entries": len(queue), "cancelled": sum(1 for event in queue if event.entry.canceled)}
