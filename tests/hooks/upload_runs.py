"""Test-only: counts every start of `uploads.process_document` under the task id's runs key.

Loaded by test workers through TASKS_WORKER__EXTRA_TASK_MODULES, so a scenario can tell
an upload that never ran from one that ran twice without touching the upload task.
"""

from __future__ import annotations

from typing import Any

from celery import signals

from tasks.redis_client import get_redis
from tests.hooks.sample_tasks import runs_key

COUNTED_TASK = "uploads.process_document"


@signals.task_prerun.connect
def _count_upload_run(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if task_id is not None and getattr(task, "name", None) == COUNTED_TASK:
        get_redis().incr(runs_key(task_id))
