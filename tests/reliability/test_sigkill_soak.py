"""SIGKILL soak: workers killed at random moments (main or pool process) lose no task.

Every task counts its runs in Redis; a task with no run once the load has drained
is lost, one with several runs is duplicated (allowed only for what was in flight
at a kill: at-least-once delivery).
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable
from pathlib import Path

from celery import Celery

from tests.harness.clients import client_app
from tests.harness.workers import WorkerProcess, wait_for
from tests.reliability.figures import Figures

#: The test-only tasks the soak's workers register.
SAMPLE_TASKS = "tests.hooks.sample_tasks"
#: Bound from the last kill to every task having run.
RECOVERY_S = 240
#: Messages one worker holds at once: concurrency 2 x prefetch 1, plus one in a pool child's hands.
HELD_PER_KILL = 3


def runs(task_ids: list[str]) -> list[int]:
    from tasks.redis_client import get_redis
    from tests.hooks.sample_tasks import runs_key

    counts: list[int] = []
    for start in range(0, len(task_ids), 1000):
        values = get_redis().mget([runs_key(task_id) for task_id in task_ids[start : start + 1000]])
        counts += [int(value or 0) for value in values]
    return counts


def pool_children(worker: WorkerProcess) -> list[int]:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def kill_one(worker: WorkerProcess, rng: random.Random) -> bool:
    """SIGKILL the worker's main process or one pool child; True when the worker is gone."""
    children = pool_children(worker)
    if children and rng.random() < 0.4:
        os.kill(rng.choice(children), signal.SIGKILL)
        return False
    os.kill(worker.pid, signal.SIGKILL)
    # The orphaned pool children follow a moment later, as on a lost host.
    time.sleep(0.5)
    worker.kill()
    return True


def soak(
    client: Celery, start: Callable[[], WorkerProcess], tasks: int, kills: int, figures: Figures, seed: int
) -> None:
    rng = random.Random(seed)
    figures.load = f"{tasks} tasks (no-op, 20 ms and 100 ms sleeps), 2 processes per worker"
    figures.faults = f"{kills} SIGKILLs of a worker's main or pool process at random moments, replacement started"
    worker = start()
    sleeps = (0.0, 0.02, 0.1)
    ids = [client.send_task("testing.work", kwargs={"value": n, "sleep_s": sleeps[n % 3]}).id for n in range(tasks)]
    figures.sent = len(ids)
    mains = 0
    for _ in range(kills):
        time.sleep(rng.uniform(0.3, 2.5))
        if kill_one(worker, rng):
            mains += 1
            worker = start()
    last_kill = time.monotonic()
    figures.notes["main_kills"] = mains

    try:
        wait_for(lambda: min(runs(ids)) >= 1, RECOVERY_S, interval_s=1, what="every task ran")
    finally:
        counts = runs(ids)
        figures.completed = sum(1 for count in counts if count)
        figures.lost = figures.sent - figures.completed
        figures.duplicated = sum(count - 1 for count in counts if count > 1)
        figures.recovery_s = time.monotonic() - last_kill
    assert figures.lost == 0
    assert figures.duplicated <= kills * HELD_PER_KILL


def sizes(full_size: bool) -> tuple[int, int]:
    return (5000, 10) if full_size else (1000, 3)


def worker_env(broker_url: str | None = None) -> dict[str, str]:
    env = {"TASKS_WORKER__EXTRA_TASK_MODULES": SAMPLE_TASKS, "TASKS_WORKER__HEARTBEAT_S": "1"}
    env["TASKS_WORKER__DEAD_AFTER_S"] = "3"
    if broker_url is not None:
        env["TASKS_BROKER_URL"] = broker_url
    return env


def test_sigkill_soak_redis(
    app: Celery, start_worker: Callable[..., WorkerProcess], full_size: bool, figures: Figures
) -> None:
    tasks, kills = sizes(full_size)
    soak(app, lambda: start_worker(env=worker_env(), queues=["default"]), tasks, kills, figures, seed=1)


def test_sigkill_soak_rabbitmq(
    amqp_url: str, start_worker: Callable[..., WorkerProcess], full_size: bool, figures: Figures
) -> None:
    client = client_app(broker_url=amqp_url)
    tasks, kills = sizes(full_size)

    def start() -> WorkerProcess:
        return start_worker(client=client, env=worker_env(amqp_url), queues=["default"])

    soak(client, start, tasks, kills, figures, seed=2)
