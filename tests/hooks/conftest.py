"""Workers of the hooks' tests load the test-only tasks of `tests.hooks.sample_tasks`."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from tests.harness.workers import WorkerProcess

#: The test-only tasks (imported by workers, never here: importing them loads the settings).
MODULE = "tests.hooks.sample_tasks"


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # Every worker of the session (the shared one too) may receive `testing.*` tasks.
    os.environ.setdefault("TASKS_WORKER__EXTRA_TASK_MODULES", MODULE)


@pytest.fixture
def sample_worker(start_worker: Callable[..., WorkerProcess]) -> Callable[..., WorkerProcess]:
    """Factory: a worker on the default queue with the test-only tasks and short liveness timings."""

    def start(env: dict[str, str] | None = None, **options: Any) -> WorkerProcess:
        merged = {
            "TASKS_WORKER__EXTRA_TASK_MODULES": MODULE,
            "TASKS_WORKER__HEARTBEAT_S": "1",
            "TASKS_WORKER__DEAD_AFTER_S": "3",
            **(env or {}),
        }
        return start_worker(env=merged, queues=["default"], **options)

    return start
