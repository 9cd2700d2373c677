"""beat_schedule.py: every entry's task registered, `expires` within the interval, overrides."""

from __future__ import annotations

from typing import Any

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
    """Settings with these schedule overrides, DynamoDB enabled so that every entry is scheduled."""
    return Settings(_env_file=None, schedule=env, infra={"enabled": True})  # type: ignore[call-arg, arg-type]


def tasks_of(schedule: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {name: entry["task"] for name, entry in schedule.items()}


def test_the_entries_are_the_contracts() -> None:
    assert tasks_of(beat_schedule.build(settings())) == CONTRACT
    assert set(SCHEDULE_ENTRIES) == set(CONTRACT)


def test_by_default_no_entry_creates_tables(app: Celery, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TASKS_AWS__ENDPOINT_URL", "TASKS_INFRA__ENABLED"):
        monkeypatch.delenv(name, raising=False)

    default = beat_schedule.build(Settings(_env_file=None))  # type: ignore[call-arg]

    assert "infra_ensure" not in default
    assert tasks_of(default) == {name: task for name, task in CONTRACT.items() if name != "infra_ensure"}
    # The session's own platform (no endpoint, not enabled) loaded the same schedule.
    assert tasks_of(app.conf.beat_schedule) == tasks_of(default)


@pytest.mark.parametrize(
    "variable, value",
    [("TASKS_AWS__ENDPOINT_URL", "http://127.0.0.1:8000"), ("TASKS_INFRA__ENABLED", "true")],
)
def test_infra_ensure_is_scheduled_when_dynamodb_is_configured(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    schedule = beat_schedule.build(Settings(_env_file=None))  # type: ignore[call-arg]

    assert schedule["infra_ensure"]["task"] == "infra.ensure_tables"
    assert schedule["infra_ensure"]["schedule"].interval_s() == 3600


def test_an_override_does_not_schedule_infra_ensure_without_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKS_SCHEDULE__INFRA_ENSURE", "*/5 * * * *")
    monkeypatch.setenv("TASKS_INFRA__ENABLED", "false")

    assert "infra_ensure" not in beat_schedule.build(Settings(_env_file=None))  # type: ignore[call-arg]


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
