"""CronSchedule: 5 and 6 fields, the bad field named, due times computed from the expression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tasks.schedules.cron import CronSchedule, check_expression

NOW = datetime(2026, 11, 22, 12, 0, 7, tzinfo=UTC)


def at(moment: datetime) -> CronSchedule:
    return CronSchedule("*/5 * * * * *", nowfun=lambda: moment)


@pytest.mark.parametrize(
    ("expression", "field"),
    [
        ("61 * * * *", "minute"),
        ("* 25 * * *", "hour"),
        ("70 * * * * *", "second"),
        ("* * 0 * *", "day of month"),
        ("* * * 13 *", "month"),
        ("* * * * funday", "day of week"),
    ],
)
def test_a_bad_expression_names_its_field(expression: str, field: str) -> None:
    with pytest.raises(ValueError, match=f"bad {field} field"):
        check_expression(expression)


def test_a_wrong_number_of_fields_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 5 fields, or 6"):
        check_expression("* * *")


def test_seconds_come_first_in_six_fields() -> None:
    schedule = at(NOW)

    assert schedule.next_after(NOW) == datetime(2026, 11, 22, 12, 0, 10, tzinfo=UTC)
    assert schedule.remaining_estimate(NOW) == timedelta(seconds=3)
    assert schedule.interval_s() == 5


def test_five_fields_are_minutes() -> None:
    schedule = CronSchedule("0 9 * * *", nowfun=lambda: NOW)

    assert schedule.next_after(NOW) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert schedule.interval_s() == 86_400


def test_due_once_after_a_long_pause_then_waits_for_the_next_tick() -> None:
    due, next_s = at(NOW).is_due(NOW - timedelta(hours=3))

    assert due is True
    assert next_s == 3.0


def test_not_due_before_the_next_tick() -> None:
    due, next_s = at(NOW).is_due(NOW - timedelta(seconds=1))

    assert due is False
    assert next_s == 3.0
