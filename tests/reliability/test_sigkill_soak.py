"""SIGKILL soak: workers killed at random moments (whole worker or one pool process) lose no task.

The load mixes no-op tasks, short sleeps and small uploads (hashing embedder). Work
tasks count their runs in Redis, uploads are counted by a test hook and judged by
their document record. A task with no run and no record once the load has drained is
lost; one that ran several times is duplicated, allowed only for what was in flight
at a kill (at-least-once delivery).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from celery import Celery

from tests.harness.clients import client_app
from tests.harness.workers import WorkerProcess, wait_for
from tests.reliability import soak_kills, soak_load
from tests.reliability.figures import Figures

#: The test-only modules the soak's workers load: sample tasks and the upload run counter.
TEST_MODULES = "tests.hooks.sample_tasks,tests.hooks.upload_runs"
QUEUES = ["default", "uploads"]
#: Bound from the last kill to every task having run: the kills end long before the backlog
#: drains, so it grows with the load (full size took about 220 s on a shared 2-core machine).
RECOVERY_BASE_S = 120
RECOVERY_PER_TASK_S = 0.1


def soak(
    client: Celery, start: Callable[[], WorkerProcess], tasks: int, kills: int, figures: Figures, seed: int
) -> None:
    from tasks.settings import get_settings

    rng = random.Random(seed)
    figures.load = (
        f"{tasks} tasks (no-op, 20 ms and 100 ms sleeps, 1 in {soak_load.UPLOAD_EVERY} a small upload), "
        "2 processes per worker"
    )
    figures.faults = f"{kills} SIGKILLs of a whole worker or one pool process at random moments, replacement started"
    worker = start()
    load = soak_load.send(client, tasks, get_settings().upload.storage_root)
    figures.sent = len(load.ids)
    done: list[soak_kills.Kill] = []
    for kind in soak_kills.kinds(kills, rng):
        time.sleep(rng.uniform(0.3, 2.5))
        done.append(soak_kills.kill(worker, kind, rng))
        if done[-1].kind == "worker":
            worker = start()
    last_kill = time.monotonic()
    figures.notes["worker_kills"] = sum(1 for k in done if k.kind == "worker")
    figures.notes["uploads"] = len(load.uploads)

    try:
        bound_s = RECOVERY_BASE_S + RECOVERY_PER_TASK_S * tasks
        wait_for(lambda: soak_load.settled(load), bound_s, interval_s=1, what="every task ran")
    finally:
        figures.recovery_s = time.monotonic() - last_kill
        result = soak_load.outcome(client, load)
        figures.completed = len(result.completed)
        figures.lost = len(result.lost)
        figures.duplicated = sum(count - 1 for count in result.duplicated.values())
        in_flight = set().union(*(soak_kills.in_flight(k) for k in done))
        unexpected = sorted(set(result.duplicated) - in_flight)
        figures.notes["duplicated_uploads"] = len(set(result.duplicated) & set(load.uploads))
        figures.notes["in_flight_at_kills"] = len(in_flight)
        figures.notes["unfinished_uploads"] = len(result.unfinished)
    assert not result.lost, f"lost: {sorted(result.lost)}"
    assert not result.unfinished, f"uploads not completed: {result.unfinished}"
    assert not unexpected, f"ran twice though not in flight at a kill: {unexpected}"


def sizes(full_size: bool) -> tuple[int, int]:
    return (5000, 10) if full_size else (1000, 3)


def worker_env(broker_url: str | None = None) -> dict[str, str]:
    env = {"TASKS_WORKER__EXTRA_TASK_MODULES": TEST_MODULES, "TASKS_WORKER__HEARTBEAT_S": "1"}
    env["TASKS_WORKER__DEAD_AFTER_S"] = "3"
    if broker_url is not None:
        env["TASKS_BROKER_URL"] = broker_url
    return env


def test_sigkill_soak_redis(
    app: Celery, start_worker: Callable[..., WorkerProcess], full_size: bool, figures: Figures
) -> None:
    tasks, kills = sizes(full_size)
    soak(app, lambda: start_worker(env=worker_env(), queues=QUEUES), tasks, kills, figures, seed=1)


def test_sigkill_soak_rabbitmq(
    amqp_url: str, start_worker: Callable[..., WorkerProcess], full_size: bool, figures: Figures
) -> None:
    client = client_app(broker_url=amqp_url)
    tasks, kills = sizes(full_size)

    def start() -> WorkerProcess:
        return start_worker(client=client, env=worker_env(amqp_url), queues=QUEUES)

    soak(client, start, tasks, kills, figures, seed=2)
