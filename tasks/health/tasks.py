"""The health task."""

from __future__ import annotations

import logging
from typing import Any

from tasks.core.task import NoParams, PlatformTask, platform_task
from tasks.health import history, selfheal
from tasks.health.checks import check_all

logger = logging.getLogger(__name__)


@platform_task(name="health.check_dependencies", bind=True)
def check_dependencies(task: PlatformTask, _: NoParams) -> dict[str, Any]:
    """Probe every dependency, keep the result, and restart failed infrastructure."""
    settings = task.settings
    report = check_all(task.app, settings)
    history.record(report, history.task_totals())
    selfheal.restart_failed_infrastructure(task.app, settings)
    logger.info("dependencies are %s", report["status"])
    return report
