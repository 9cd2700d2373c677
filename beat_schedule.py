"""The beat schedule, as data: entry name -> task, schedule, and options."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from tasks.settings import Settings


def build(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every beat entry; `expires` never longer than the entry's interval."""
    from tasks.health.tasks import check_dependencies

    return {
        "health_check": {
            "task": check_dependencies.name,
            "schedule": crontab(minute="*/5"),
            "options": {"expires": 300},
        },
    }
