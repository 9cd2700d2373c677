"""A worker whose embedder cannot work stops at start with a clear message; never a silent switch."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.harness.workers import WorkerProcess


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TASKS_UPLOAD__EMBEDDER": "openai"}, "TASKS_UPLOAD__EMBEDDER=openai needs TASKS_UPLOAD__EMBEDDING_URL"),
        (
            {"TASKS_UPLOAD__EMBEDDER": "sentence-transformers", "TASKS_UPLOAD__EMBEDDING_MODEL": "/nowhere/model"},
            "TASKS_UPLOAD__EMBEDDING_MODEL: no model found at /nowhere/model",
        ),
    ],
    ids=["openai-without-url", "model-missing"],
)
def test_worker_refuses_to_start(start_worker: Callable[..., WorkerProcess], env: dict[str, str], message: str) -> None:
    with pytest.raises(RuntimeError, match="exited with") as raised:
        start_worker(env=env, queues=["uploads"], concurrency=1)

    assert message in str(raised.value)


def test_worker_without_the_uploads_queue_does_not_need_the_embedder(
    start_worker: Callable[..., WorkerProcess],
) -> None:
    worker = start_worker(env={"TASKS_UPLOAD__EMBEDDER": "openai"}, queues=["default"], concurrency=1)

    assert worker.process is not None and worker.process.poll() is None
