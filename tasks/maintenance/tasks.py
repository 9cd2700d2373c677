"""Maintenance tasks (queue `scheduled`)."""

from __future__ import annotations

from typing import Any

from tasks import deadletter
from tasks.core.task import NoParams, PlatformTask, platform_task


@platform_task(name="maintenance.trim_dead_letters", bind=True)
def trim_dead_letters(task: PlatformTask, _: NoParams) -> dict[str, Any]:
    """Remove dead letters past retention or beyond the store's bound."""
    return {"removed": deadletter.trim(task.settings.dlq)}
