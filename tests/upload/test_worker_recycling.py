"""Workers with the production embedder keep draining while their pool processes recycle every few tasks.

Each new pool process must report ready within `worker_proc_alive_timeout`; these
workers keep Celery's own 4 s, so the model load must not stand in the way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from tasks.metrics import snapshot
from tests.harness.workers import WorkerProcess
from tests.upload.helpers import ingest

#: Tasks per pool process, and pool processes per worker.
RECYCLE_AFTER = 3
PROCESSES = 2
#: Many times what the processes started at first could run.
TASKS = 20 * RECYCLE_AFTER * PROCESSES

ENV = {
    "TASKS_UPLOAD__EMBEDDER": "sentence-transformers",
    "TASKS_WORKER__MAX_TASKS_PER_CHILD": str(RECYCLE_AFTER),
    "TASKS_WORKER__PROC_ALIVE_TIMEOUT_S": "4",
    "TASKS_WORKER__EXTRA_TASK_MODULES": "tests.hooks.sample_tasks",
}


def drain(client: Celery, count: int) -> list[dict[str, Any]]:
    results = [client.send_task("testing.process_info") for _ in range(count)]
    return [result.get(timeout=120) for result in results]


def pool_view(worker: WorkerProcess) -> dict[str, Any]:
    from tasks import app

    found: dict[str, Any] = snapshot(app)["workers"][worker.name]
    return found


@pytest.fixture
def recycling_worker(start_worker: Callable[..., WorkerProcess]) -> Callable[[list[str]], WorkerProcess]:
    def start(queues: list[str]) -> WorkerProcess:
        return start_worker(env=ENV, queues=queues, concurrency=PROCESSES)

    return start


def test_a_worker_without_uploads_never_loads_the_model(
    app: Celery, recycling_worker: Callable[[list[str]], WorkerProcess]
) -> None:
    worker = recycling_worker(["default"])

    infos = drain(app, TASKS)

    assert len({info["pid"] for info in infos}) >= TASKS // RECYCLE_AFTER
    assert all(info["model_libraries"] == [] for info in infos)
    assert pool_view(worker)["pool_lost"] == 0
    assert "Timed out waiting for UP message" not in worker.log()


def test_an_uploads_worker_keeps_draining_and_ingests_with_the_model(
    app: Celery, recycling_worker: Callable[[list[str]], WorkerProcess], folder: Path, collection: str
) -> None:
    worker = recycling_worker(["uploads", "default"])
    (folder / "eclipse.txt").write_text("A solar eclipse happens when the Moon passes between the Sun and the Earth.")

    infos = drain(app, TASKS)
    outcome = ingest(source=str(folder / "eclipse.txt"), collection=collection)
    infos += drain(app, RECYCLE_AFTER * PROCESSES)

    assert outcome["status"] == "completed" and outcome["chunk_count"] >= 1
    assert len({info["pid"] for info in infos}) >= TASKS // RECYCLE_AFTER
    assert pool_view(worker)["pool_lost"] == 0
    assert "Timed out waiting for UP message" not in worker.log()
