"""Each dead-letter reason produced by a real failing task through a real worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from celery import Celery

from tests.harness.workers import WorkerProcess, wait_for

FIELDS = {
    "id",
    "task_id",
    "task",
    "queue",
    "args",
    "kwargs",
    "reason",
    "exception_type",
    "exception_message",
    "traceback",
    "retries",
    "worker",
    "failed_at",
    "replayed_as",
}


def dead_letter_of(task_id: str, timeout_s: float = 30) -> dict[str, Any]:
    from tasks import deadletter

    wait_for(lambda: deadletter.find_by_task_id(task_id) is not None, timeout_s, what=f"dead letter of {task_id}")
    entry = deadletter.find_by_task_id(task_id)
    assert entry is not None
    assert set(entry) == FIELDS
    return entry


def test_invalid_arguments_are_dead_lettered_at_once(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    worker = sample_worker()
    task_id = app.send_task("testing.work", kwargs={"value": "many"}).id

    entry = dead_letter_of(task_id)

    assert entry["reason"] == "validation_error"
    assert entry["exception_type"] == "InvalidArguments"
    assert "value" in entry["exception_message"]
    assert entry["retries"] == 0
    assert entry["queue"] == "default"
    assert entry["task"] == "testing.work"
    assert entry["kwargs"] == {"value": "many"}
    assert entry["worker"] == worker.name
    assert entry["failed_at"].endswith("+00:00")
    assert entry["replayed_as"] is None
    assert "InvalidArguments" in entry["traceback"]


def test_permanent_error_is_non_retryable(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    sample_worker()
    task_id = app.send_task("testing.permanent_failure", kwargs={"value": 3}).id

    entry = dead_letter_of(task_id)

    assert entry["reason"] == "non_retryable"
    assert entry["exception_type"] == "PermanentError"
    assert entry["exception_message"] == "cannot do 3 "
    assert entry["retries"] == 0


def test_retryable_error_after_the_budget_is_retries_exhausted(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    sample_worker()
    task_id = app.send_task("testing.transient_failure", kwargs={"value": 4}).id

    entry = dead_letter_of(task_id)

    assert entry["reason"] == "retries_exhausted"
    assert entry["exception_type"] == "RetryableError"
    assert entry["retries"] == 2


def test_hard_time_limit_is_time_limit(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    worker = sample_worker()
    task_id = app.send_task("testing.hard_limit", kwargs={"sleep_s": 30}).id

    entry = dead_letter_of(task_id)

    assert entry["reason"] == "time_limit"
    assert entry["exception_type"] == "TimeLimitExceeded"
    assert entry["kwargs"] == {"sleep_s": 30}
    assert entry["worker"] == worker.name
    assert entry["queue"] == "default"


def test_poison_message_is_dead_lettered_after_max_deliveries(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.redis_client import get_redis
    from tasks.settings import get_settings
    from tests.hooks.sample_tasks import runs_key

    worker = sample_worker()
    task_id = app.send_task("testing.poison", kwargs={}).id

    entry = dead_letter_of(task_id, timeout_s=90)

    assert entry["reason"] == "worker_lost"
    assert entry["exception_type"] == "WorkerLostError"
    assert "TASKS_DLQ__MAX_DELIVERIES" in entry["exception_message"]
    assert int(get_redis().get(runs_key(task_id)) or 0) == get_settings().dlq.max_deliveries
    # The worker survives its poison and goes on working.
    assert app.send_task("testing.work", kwargs={"value": 8}).get(timeout=30) == 8
    assert worker.process is not None and worker.process.poll() is None


def test_secrets_are_redacted_in_entries_reprs_and_logs(
    app: Celery, sample_worker: Callable[..., WorkerProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    from celery import signals

    from tasks.core import events
    from tasks.core.events import Hooks
    from tasks.hooks import build
    from tasks.settings import get_settings

    # Given a configured secret, known to the worker and to this (publishing) process
    secret = "ghp_configuredvalue123"
    worker = sample_worker(env={"TASKS_GITHUB__TOKEN": secret})
    monkeypatch.setenv("TASKS_GITHUB__TOKEN", secret)
    get_settings.cache_clear()
    # This process's hooks as the platform builds them from those settings.
    monkeypatch.setattr(events, "_active", Hooks(build(get_settings())))
    seen: dict[str, Any] = {}

    def capture(headers: dict[str, Any] | None = None, **_: Any) -> None:
        if headers is not None:
            seen.update(headers)

    # When a task gets a secret-named argument and the secret's value in another one, and fails
    signals.before_task_publish.connect(capture, weak=False)
    try:
        kwargs = {"value": 1, "token": "tok-12345", "note": f"uses {secret}"}
        task_id = app.send_task("testing.permanent_failure", kwargs=kwargs).id
    finally:
        signals.before_task_publish.disconnect(capture)
        get_settings.cache_clear()

    # Then neither shows in the dead letter, in the message's reprs or in the worker's log
    entry = dead_letter_of(task_id)
    assert entry["kwargs"] == {"value": 1, "token": "***", "note": "uses ***"}
    assert entry["exception_message"] == "cannot do 1 uses ***"
    assert secret not in entry["traceback"]
    assert "tok-12345" not in seen["kwargsrepr"] and secret not in seen["kwargsrepr"]
    assert "'token': '***'" in seen["kwargsrepr"]
    wait_for(lambda: task_id in worker.log(), 10)
    assert "tok-12345" not in worker.log()
    assert secret not in worker.log()


def test_replay_runs_the_task_again_and_records_it(app: Celery, sample_worker: Callable[..., WorkerProcess]) -> None:
    from tasks import deadletter
    from tasks.settings import get_settings

    sample_worker()
    entry = deadletter.record(
        task_id="original-task-id",
        task="testing.work",
        queue="default",
        args=[],
        kwargs={"value": 42},
        reason="non_retryable",
        exception=RuntimeError("first run failed"),
        retries=0,
        worker="gone@host",
        dlq=get_settings().dlq,
        secrets=(),
    )

    new_id = deadletter.replay(app, entry["id"])

    assert app.AsyncResult(new_id).get(timeout=30) == 42
    stored = deadletter.get(entry["id"])
    assert stored is not None and stored["replayed_as"] == new_id
    with pytest.raises(deadletter.AlreadyReplayed):
        deadletter.replay(app, entry["id"])
    again = deadletter.replay(app, entry["id"], force=True)
    assert again != new_id
    assert app.AsyncResult(again).get(timeout=30) == 42
