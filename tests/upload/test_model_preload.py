"""The embedding model (torch, sentence-transformers) loads in the pool processes of uploads workers only."""

from __future__ import annotations

import time
from collections.abc import Callable

from celery import Celery

from tests.harness.workers import WorkerProcess, wait_for
from tests.hooks.sample_tasks import MODEL_LIBRARIES

ENV = {
    "TASKS_UPLOAD__EMBEDDER": "sentence-transformers",
    "TASKS_WORKER__EXTRA_TASK_MODULES": "tests.hooks.sample_tasks",
}


def loaded_libraries(app: Celery) -> list[str]:
    """What the pool process that ran `testing.process_info` has imported of the model's libraries."""
    libraries: list[str] = app.send_task("testing.process_info").get(timeout=60)["model_libraries"]
    return libraries


def test_an_uploads_worker_preloads_the_model_and_a_default_worker_never_does(
    app: Celery, start_worker: Callable[..., WorkerProcess]
) -> None:
    # One pool process, so every probe reads the process that loaded the model.
    uploads = start_worker(env=ENV, queues=["uploads", "default"], concurrency=1)
    started = time.monotonic()
    # No document is sent: the start-up hook alone loads the model.
    wait_for(lambda: loaded_libraries(app) == sorted(MODEL_LIBRARIES), timeout_s=120, what="the model preloaded")
    preload_s = time.monotonic() - started
    uploads.stop()

    start_worker(env=ENV, queues=["default"], concurrency=1)
    # Twice as long as the uploads worker took to load it: a background load would have finished.
    deadline = time.monotonic() + 2 * preload_s + 1
    while time.monotonic() < deadline:
        assert loaded_libraries(app) == [], "a -Q default worker imported the model's libraries"
        time.sleep(0.5)
