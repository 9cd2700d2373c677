"""Scenario 7, memory: one worker runs many tasks; no process's resident memory creeps up.

The pool processes are not recycled during the run (a recycled process would hide a
leak), so each process measured after the warm-up is the one measured at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from celery import Celery

from tests.harness.processes import children, rss_bytes
from tests.harness.workers import WorkerProcess
from tests.reliability.figures import Figures

FULL_TASKS = 20_000
REDUCED_TASKS = 3_000
#: Share of the tasks run before the first measurement: imports, caches and pools settle.
WARM_UP_SHARE = 0.1
#: Largest growth of any process's resident memory allowed between the two measurements.
GROWTH_LIMIT = 0.10
PROCESSES = 2
#: Task ids whose runs are read from Redis in one round trip.
READ_BATCH = 1000


def send(app: Celery, count: int) -> list[str]:
    return [app.send_task("testing.work", kwargs={"value": n}).id for n in range(count)]


def runs(ids: list[str]) -> list[int]:
    """How many times each task ran, as counted by the task itself."""
    from tasks.redis_client import get_redis
    from tests.hooks.sample_tasks import runs_key

    client = get_redis()
    counts: list[int] = []
    for start in range(0, len(ids), READ_BATCH):
        values = client.mget([runs_key(task_id) for task_id in ids[start : start + READ_BATCH]])
        counts += [int(value or 0) for value in values]
    return counts


def wait_done(ids: list[str], timeout_s: float) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while True:
        counts = runs(ids)
        if all(counts) or time.monotonic() > deadline:
            return counts
        time.sleep(1)


def memory(worker: WorkerProcess) -> dict[str, int]:
    """Resident bytes of the main process and of each pool process, by name."""
    sizes = {"main": rss_bytes(worker.pid)}
    sizes |= {f"pool-{pid}": rss_bytes(pid) for pid in children(worker.pid)}
    return sizes


@pytest.mark.timeout(1800)  # the full size runs for minutes on a busy 2-core host
def test_resident_memory_stays_flat_over_many_tasks(
    app: Celery, start_worker: Callable[..., WorkerProcess], figures: Figures, full_size: bool
) -> None:
    total = FULL_TASKS if full_size else REDUCED_TASKS
    warm_up = int(total * WARM_UP_SHARE)
    figures.load = f"{total} tasks through 1 worker of {PROCESSES} pool processes"
    figures.faults = "none"
    worker = start_worker(
        env={
            "TASKS_WORKER__EXTRA_TASK_MODULES": "tests.hooks.sample_tasks",
            "TASKS_WORKER__MAX_TASKS_PER_CHILD": str(2 * total),
        },
        queues=["default"],
        concurrency=PROCESSES,
    )
    timeout_s = 120 + 0.05 * total

    ids = send(app, warm_up)
    assert all(wait_done(ids, timeout_s)), "the warm-up tasks ran"
    before = memory(worker)
    started = time.monotonic()
    ids += send(app, total - warm_up)
    figures.sent = len(ids)
    counts = wait_done(ids, timeout_s)
    elapsed_s = time.monotonic() - started
    after = memory(worker)

    figures.completed = sum(1 for count in counts if count)
    figures.lost = counts.count(0)
    figures.duplicated = sum(1 for count in counts if count > 1)
    growth = {name: (after[name] - size) / size for name, size in before.items() if name in after}
    figures.notes = {
        "tasks_per_s": round((total - warm_up) / elapsed_s),
        **{f"{name}_mib": f"{before[name] / 2**20:.1f}->{after[name] / 2**20:.1f}" for name in growth},
        "max_growth": f"{max(growth.values()):.1%}",
    }
    assert (figures.lost, figures.duplicated) == (0, 0)
    assert set(after) == set(before), "the same pool processes ran every task"
    assert len(before) == 1 + PROCESSES
    grown = {name: f"{share:.1%}" for name, share in growth.items() if share >= GROWTH_LIMIT}
    assert not grown, f"resident memory grew by {GROWTH_LIMIT:.0%} or more: {grown}"
