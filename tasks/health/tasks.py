"""The health task."""

from __future__ import annotations

import logging
from typing import Any

from tasks.core.task import PlatformTask, platform_task
from tasks.health import history, selfheal
from tasks.health.checks import check_all
from tasks.settings import get_settings

logger = logging.getLogger(__name__)


@platform_task(name="health.check_dependencies", bind=True)
def check_dependencies(task: PlatformTask, _: object) -> dict[str, Any]:
    """Probe every dependency, keep the result, and restart failed infrastructure."""
    settings = get_settings()
    report = check_all(task.app, settings)
    history.record(report, history.task_totals())
    selfheal.restart_failed_infrastructure(task.app, settings)
    logger.info("dependencies are %s", report["status"])
    return report
