"""The health task."""

from __future__ import annotations

import logging
from typing import Any

from tasks.core.task import PlatformTask, platform_task
from tasks.health.checks import check_all
from tasks.settings import get_settings

logger = logging.getLogger(__name__)


@platform_task(name="health.check_dependencies", bind=True)
def check_dependencies(task: PlatformTask, _: object) -> dict[str, Any]:
    """Probe every dependency; the result shape is the contract's."""
    report = check_all(task.app, get_settings())
    logger.info("dependencies are %s", report["status"])
    return report
