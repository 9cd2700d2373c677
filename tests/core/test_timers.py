"""Cancelled timer entries (one per task with a time limit) do not pile up in the main process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery
from kombu.asynchronous.timer import Timer

from tasks.core.timers import SWEEP_INTERVAL_S, sweep
from tests.harness.workers import WorkerProcess, wait_for
from tests.reliability.test_memory import send, wait_done

TASKS = 600


def test_sweep_drops_cancelled_entries_and_keeps_the_rest_in_order() -> None:
    timer = Timer()
    fired: list[int] = []
    entries = [timer.call_after(-1 - n / 100, fired.append, (n,)) for n in range(10)]
    for entry in entries[::2]:
        entry.cancel()

    assert sweep(timer) == 5
    assert len(timer) == 5
    assert sweep(timer) == 0
    for _ in range(5):
        _, entry = next(iter(timer))
        entry()
    assert fired == [9, 7, 5, 3, 1], "the earliest first, as before the sweep"


def test_sweep_while_the_timer_iterates() -> None:
    timer = Timer()
    entries = [timer.call_after(-1 - n / 100, lambda: None) for n in range(4)]
    running = iter(timer)
    assert next(running) == (None, entries[3])
    entries[2].cancel()
    sweep(timer)
    assert next(running) == (None, entries[1])
    assert next(running) == (None, entries[0])
    assert next(running) == (None, None)


def timer_entries(app: Celery, worker: WorkerProcess) -> dict[str, int]:
    replies: list[dict[str, Any]] = app.control.broadcast(
        "timer_entries", destination=[worker.name], reply=True, timeout=5, limit=1
    )
    found: dict[str, int] = replies[0][worker.name]
    return found


def test_worker_timer_keeps_no_cancelled_time_limits(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    worker = sample_worker(env={"TASKS_WORKER__EXTRA_TASK_MODULES": "tests.hooks.timer_probe"}, concurrency=2)

    assert all(wait_done(send(app, TASKS), timeout_s=120))

    # Each task's soft time limit (300 s) was cancelled when it ended: without the sweep
    # all TASKS entries would stay in the heap for five minutes.
    seen: list[dict[str, int]] = []

    def swept() -> bool:
        seen.append(timer_entries(app, worker))
        return seen[-1]["cancelled"] < TASKS / 20

    wait_for(
        swept,
        timeout_s=3 * SWEEP_INTERVAL_S,
        interval_s=1,
        what="the cancelled entries swept",
    )
    assert seen[0]["cancelled"] + seen[0]["entries"] > 0
    assert seen[-1]["entries"] < TASKS / 10, seen
