"""Loaded by a test worker (TASKS_WORKER__EXTRA_TASK_MODULES): every pool process but the
first ones of the worker takes `TESTING_POOL_START_DELAY_S` to start, like one loading a
large model before it reports ready."""

from __future__ import annotations

import os
import time
from typing import Any

from celery import signals

from tests.hooks.sample_tasks import noop  # noqa: F401  (the tests' tasks, on the same worker)


@signals.worker_process_init.connect
def _start_slowly(**_: Any) -> None:
    time.sleep(float(os.environ.get("TESTING_POOL_START_DELAY_S", "0")))
