"""A hook's own failure is logged and swallowed: it never fails the task it observes."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import pytest
from celery import Celery

from tasks.core.events import Hook, Hooks
from tasks.hooks.argsrepr import RedactionHook
from tests.harness.workers import WorkerProcess, wait_for


class Broken(Hook):
    name = "broken"

    def prerun(self, *, task: Any, task_id: str) -> None:
        raise RuntimeError("metrics store is down")


class Recording(Hook):
    name = "recording"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def prerun(self, *, task: Any, task_id: str) -> None:
        self.seen.append(task_id)


def test_a_failing_hook_is_logged_and_the_next_one_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    recording = Recording()
    hooks = Hooks([Broken(), recording])

    with caplog.at_level(logging.ERROR):
        hooks.emit("prerun", task=None, task_id="t-1")

    assert recording.seen == ["t-1"]
    assert "the broken hook failed on prerun" in caplog.text
    assert "metrics store is down" in caplog.text


def test_redaction_hook_masks_secret_keys_and_configured_values() -> None:
    hook = RedactionHook(["ghp_configured"])
    headers: dict[str, Any] = {"task": "testing.work", "argsrepr": "x", "kwargsrepr": "x"}

    hook.before_publish(
        headers=headers, body=(["ghp_configured"], {"password": "hunter2", "note": "key ghp_configured"}, {})
    )

    assert headers["argsrepr"] == "['***']"
    assert headers["kwargsrepr"] == "{'password': '***', 'note': 'key ***'}"


def test_tasks_run_while_the_platform_redis_is_unreachable(
    app: Celery, sample_worker: Callable[..., WorkerProcess]
) -> None:
    # Given a worker whose platform Redis (metrics, dead letters, heartbeats) refuses connections,
    # while its broker and result backend work
    real = os.environ["TASKS_REDIS_URL"]
    worker = sample_worker(
        env={
            "TASKS_REDIS_URL": "redis://127.0.0.1:1/0",
            "TASKS_BROKER_URL": real,
            "TASKS_RESULT_BACKEND": real,
        }
    )

    # When tasks succeed and fail
    ok = app.send_task("testing.noop")
    failing = app.send_task("testing.permanent_failure", kwargs={"value": 1})

    # Then they end as they would without hooks, and the hooks' errors are in the log
    assert ok.get(timeout=30) is None
    with pytest.raises(Exception, match="cannot do 1"):
        failing.get(timeout=30)
    wait_for(lambda: "the dead_letter hook failed on failure" in worker.log(), 10, what="the hook failure logged")


def test_the_platform_apps_messages_and_sent_events_carry_redacted_reprs(
    app: Celery, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks.settings import get_settings

    monkeypatch.setenv("TASKS_GITHUB__TOKEN", "ghp_sentevent")
    get_settings.cache_clear()
    # The message factory keeps the secrets of the settings it was built with.
    monkeypatch.setattr(app.amqp, "secrets", tuple(get_settings().secrets()))
    try:
        message = app.amqp.create_task_message(
            "task-id",
            "testing.work",
            ["ghp_sentevent"],
            {"api_key": "k", "note": "ghp_sentevent"},
            create_sent_event=True,
        )
    finally:
        get_settings.cache_clear()

    assert message.headers["argsrepr"] == message.sent_event["args"] == "['***']"
    assert message.headers["kwargsrepr"] == message.sent_event["kwargs"] == "{'api_key': '***', 'note': '***'}"


def test_the_hook_redacts_again_a_repr_replaced_after_the_message_factory(app: Celery) -> None:
    # Given a message of the platform app, whose reprs the factory redacted, and the platform's hook
    message = app.amqp.create_task_message("task-id", "testing.work", [], {"api_key": "k"})
    headers = message.headers
    hook = RedactionHook(app.amqp.secrets)

    # When the factory's reprs are still in place, the hook keeps them as they are
    factory_repr = headers["kwargsrepr"]
    hook.before_publish(headers=headers, body=message.body)
    assert headers["kwargsrepr"] is factory_repr

    # and when a caller's `headers=` replaced one, the hook redacts the message from its body
    headers["kwargsrepr"] = "{'api_key': 'k'}"
    hook.before_publish(headers=headers, body=message.body)
    assert headers["kwargsrepr"] == "{'api_key': '***'}"


def test_a_hook_with_other_secrets_redacts_the_factorys_reprs_again(app: Celery) -> None:
    message = app.amqp.create_task_message("task-id", "testing.work", [], {"note": "uses ghp_hookonly"})
    headers = message.headers
    assert "ghp_hookonly" in headers["kwargsrepr"]

    RedactionHook([*app.amqp.secrets, "ghp_hookonly"]).before_publish(headers=headers, body=message.body)

    assert headers["kwargsrepr"] == "{'note': 'uses ***'}"
