"""Maintenance tasks (queue `scheduled`)."""

from __future__ import annotations

from typing import Any

from tasks import deadletter
from tasks.core.task import PlatformTask, platform_task
from tasks.maintenance.stale_documents import recover
from tasks.settings import get_settings


@platform_task(name="maintenance.recover_stale_documents", bind=True)
def recover_stale_documents(task: PlatformTask, _: object) -> dict[str, Any]:
    """Requeue documents stuck in `processing`, or fail them after too many recoveries."""
    return recover(task.app, get_settings())


@platform_task(name="maintenance.trim_dead_letters", bind=True)
def trim_dead_letters(task: PlatformTask, _: object) -> dict[str, Any]:
    """Remove dead letters past retention or beyond the store's bound."""
    return {"removed": deadletter.trim(task.settings.dlq)}
