"""The self-restart the platform promises: a failed infrastructure run is queued again."""

from __future__ import annotations

import logging

from celery import Celery

from tasks.infra import get_status
from tasks.redis_client import get_redis, key
from tasks.settings import Settings

logger = logging.getLogger(__name__)

INFRA_TASK = "infra.ensure_tables"


def restart_key(environment: str) -> str:
    return key("health", "infra_restart", environment)


def restart_failed_infrastructure(app: Celery, settings: Settings) -> str | None:
    """Queue `infra.ensure_tables` when the last run failed, at most once per window; its task id."""
    environment = settings.environment
    status = get_status(environment) or {}
    if status.get("status") != "failed":
        return None
    if not get_redis().set(restart_key(environment), "1", nx=True, ex=settings.health.restart_window_s):
        return None
    result = app.send_task(INFRA_TASK, kwargs={"environment": environment})
    logger.warning(
        "infrastructure of %s failed (%s): queued %s as %s",
        environment,
        status.get("error_message") or "no message",
        INFRA_TASK,
        result.id,
    )
    return str(result.id)
