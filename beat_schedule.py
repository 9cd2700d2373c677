"""The beat schedule, as data: entry name -> task, cron expression, expiry.

`TASKS_SCHEDULE__<ENTRY>` replaces an entry's cron expression (5 fields, or 6 with
seconds first); an empty value disables the entry. `infra_ensure` is scheduled only when
DynamoDB is configured explicitly (`TASKS_AWS__ENDPOINT_URL`, or `TASKS_INFRA__ENABLED=true`
for the account the AWS credentials reach): a first run never creates tables anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tasks.schedules.cron import CronSchedule
from tasks.settings import Schedule, Settings


@dataclass(frozen=True)
class Entry:
    task: str
    cron: str
    #: A tick not started within this many seconds is dropped: a backlog never replays stale ticks.
    expires_s: int
    #: Scheduled only when `Settings.dynamodb_configured`.
    needs_dynamodb: bool = False


def entries() -> Schedule[Entry]:
    from tasks.github.tasks import monitor_all
    from tasks.health.tasks import check_dependencies
    from tasks.infra.tasks import ensure_tables
    from tasks.maintenance.tasks import trim_dead_letters
    from tasks.reports.tasks import daily_summary
    from tasks.upload.tasks import recover_stale_documents

    return Schedule[Entry](
        health_check=Entry(check_dependencies.name, "*/5 * * * *", expires_s=300),
        pr_monitor=Entry(monitor_all.name, "*/2 * * * *", expires_s=120),
        infra_ensure=Entry(ensure_tables.name, "0 * * * *", expires_s=3600, needs_dynamodb=True),
        recover_stale_documents=Entry(recover_stale_documents.name, "*/10 * * * *", expires_s=600),
        trim_dead_letters=Entry(trim_dead_letters.name, "30 3 * * *", expires_s=86_400),
        daily_summary=Entry(daily_summary.name, "0 9 * * *", expires_s=86_400),
    )


def build(settings: Settings) -> dict[str, dict[str, Any]]:
    """Celery's `beat_schedule`, with the settings' overrides applied."""
    defaults = entries()
    schedule: dict[str, dict[str, Any]] = {}
    for name in type(defaults).model_fields:
        entry: Entry = getattr(defaults, name)
        if entry.needs_dynamodb and not settings.dynamodb_configured:
            continue
        override: str | None = getattr(settings.schedule, name)
        cron = override if override is not None else entry.cron
        if not cron.strip():
            continue
        cron_schedule = CronSchedule(cron)
        schedule[name] = {
            "task": entry.task,
            "schedule": cron_schedule,
            "options": {"expires": min(entry.expires_s, cron_schedule.interval_s())},
        }
    return schedule
