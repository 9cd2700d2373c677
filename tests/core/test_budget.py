"""The retry budget through a real worker: rate-limit waits never spend it, transient errors do."""

from __future__ import annotations

from collections.abc import Callable

from celery import Celery

from tasks.core.budget import COUNTED_HEADER, FIRST_ATTEMPT_HEADER, counted_retries, first_attempt_at, retry_headers
from tests.harness.workers import WorkerProcess, wait_for

#: Short backoff so four transient retries take well under a second each.
FAST_BACKOFF = {"TASKS_RETRY__BACKOFF_BASE_S": "0.05", "TASKS_RETRY__BACKOFF_MAX_S": "0.2"}


def test_waits_then_transient_errors_within_the_budget_succeed(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    # Given a task with max_retries=5 that is rate limited 10 times, then fails 4 times
    sample_worker(env=FAST_BACKOFF)

    result = app.send_task("testing.waits_then_flaky", kwargs={"waits": 10, "failures": 4})

    # Then it succeeds: 14 retries in Celery's count, 4 of them spent from the budget
    assert result.get(timeout=60) == {"runs": 15, "retries": 14, "counted": 4}


def test_the_platform_redis_away_is_retried_like_any_transient_error(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    # Given a task that finds the platform's Redis away twice (an outage ending mid-task)
    sample_worker(env=FAST_BACKOFF)

    result = app.send_task("testing.platform_redis_away", kwargs={"failures": 2})

    # Then it is retried, not dead-lettered, and succeeds on the third run
    assert result.get(timeout=60) == {"runs": 3, "counted": 2}


def test_the_budget_still_runs_out_after_waits(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    from tasks import deadletter

    sample_worker(env=FAST_BACKOFF)

    task_id = app.send_task("testing.waits_then_flaky", kwargs={"waits": 3, "failures": 100}).id

    wait_for(lambda: deadletter.find_by_task_id(task_id) is not None, 60, what="the dead letter")
    entry = deadletter.find_by_task_id(task_id)
    assert entry is not None
    # Five retries counted (the budget), and the sixth transient error ends it; the waits are not counted.
    assert (entry["reason"], entry["retries"], entry["exception_message"]) == (
        "retries_exhausted",
        5,
        "transient failure (6)",
    )


def test_retry_headers_carry_the_count_and_the_first_attempt() -> None:
    first = {"headers": None}

    waited = retry_headers(first, counts=False, now=100.0)
    counted = retry_headers(waited, counts=True, now=200.0)

    assert (counted_retries(first), first_attempt_at(first, now=5.0)) == (0, 5.0)
    assert waited == {COUNTED_HEADER: 0, FIRST_ATTEMPT_HEADER: 100.0}
    assert counted == {COUNTED_HEADER: 1, FIRST_ATTEMPT_HEADER: 100.0}
