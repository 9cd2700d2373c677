"""beat_schedule.py: every entry's task registered, `expires` within the interval, overrides."""

from __future__ import annotations

import pytest
from celery import Celery
from celery.exceptions import TaskRevokedError
from pydantic import ValidationError

import beat_schedule
from tasks.schedules.cron import CronSchedule
from tasks.settings import SCHEDULE_ENTRIES, Settings, describe
from tests.harness.workers import WorkerProcess

CONTRACT = {
    "health_check": "health.check_dependencies",
    "pr_monitor": "pr.monitor_all",
    "infra_ensure": "infra.ensure_tables",
    "recover_stale_documents": "maintenance.recover_stale_documents",
    "trim_dead_letters": "maintenance.trim_dead_letters",
    "daily_summary": "reports.daily_summary",
}


def settings(**env: str) -> Settings:
    return Settings(_env_file=None, **{"schedule": env})  # type: ignore[call-arg, arg-type]


def test_the_entries_are_the_contracts(app: Celery) -> None:
    schedule = app.conf.beat_schedule

    assert {name: entry["task"] for name, entry in schedule.items()} == CONTRACT
    assert set(SCHEDULE_ENTRIES) == set(CONTRACT)


def test_every_entry_task_is_registered_and_expires_within_its_interval(app: Celery) -> None:
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name
        assert 0 < entry["options"]["expires"] <= entry["schedule"].interval_s(), name


def test_the_default_intervals() -> None:
    schedule = beat_schedule.build(settings())

    assert schedule["health_check"]["schedule"].interval_s() == 300
    assert schedule["pr_monitor"]["schedule"].interval_s() == 120
    assert schedule["infra_ensure"]["schedule"].interval_s() == 3600
    assert schedule["recover_stale_documents"]["schedule"].interval_s() == 600
    assert schedule["trim_dead_letters"]["schedule"].interval_s() == 86_400
    assert schedule["daily_summary"]["schedule"] == CronSchedule("0 9 * * *")


def test_an_override_of_five_fields_replaces_the_schedule() -> None:
    schedule = beat_schedule.build(settings(pr_monitor="*/15 * * * *"))

    assert schedule["pr_monitor"]["schedule"] == CronSchedule("*/15 * * * *")
    assert schedule["pr_monitor"]["options"]["expires"] == 120


def test_an_override_with_seconds_shortens_expires_to_its_interval() -> None:
    schedule = beat_schedule.build(settings(health_check="*/10 * * * * *"))

    assert schedule["health_check"]["schedule"].interval_s() == 10
    assert schedule["health_check"]["options"]["expires"] == 10


def test_a_tick_not_started_within_its_expiry_is_dropped(app: Celery, worker: WorkerProcess) -> None:
    entry = beat_schedule.build(settings(health_check="*/1 * * * * *"))["health_check"]
    expires_s = entry["options"]["expires"]

    # The worker takes the tick at once, but may start it only a second past its expiry.
    result = app.send_task(entry["task"], countdown=expires_s + 1, **entry["options"])

    with pytest.raises(TaskRevokedError):
        result.get(timeout=30)
    assert result.state == "REVOKED"


def test_an_empty_override_disables_the_entry() -> None:
    schedule = beat_schedule.build(settings(daily_summary=""))

    assert "daily_summary" not in schedule
    assert "health_check" in schedule


def test_a_bad_override_names_the_variable_and_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKS_SCHEDULE__INFRA_ENSURE", "0 24 * * *")

    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)  # type: ignore[call-arg]

    message = describe(caught.value)
    assert "TASKS_SCHEDULE__INFRA_ENSURE" in message
    assert "bad hour field" in message
