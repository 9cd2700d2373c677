"""Structured logs: task context on every line inside a task, JSON on request, secrets masked."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

from celery import Celery

from tasks.logs import build_handler, configure
from tests.harness.workers import WorkerProcess, wait_for


def render(log_format: str, message: str, secrets: list[str]) -> str:
    handler = build_handler(log_format, secrets)
    record = logging.LogRecord("platform", logging.INFO, __file__, 1, message, None, None)
    handler.filter(record)
    assert handler.formatter is not None
    return handler.formatter.format(record)


def test_json_lines_carry_level_logger_and_task_fields() -> None:
    line = json.loads(render("json", "hello", []))

    assert line["message"] == "hello"
    assert line["level"] == "INFO"
    assert line["task_id"] == "-"
    assert line["task_name"] == "-"


def test_configured_secrets_are_masked_in_text_and_json() -> None:
    for log_format in ("text", "json"):
        line = render(log_format, "calling with token s3cr3t-value", ["s3cr3t-value"])

        assert "s3cr3t-value" not in line
        assert "***" in line


def test_a_line_logged_inside_a_task_names_the_task(app: Celery, start_worker: Callable[..., WorkerProcess]) -> None:
    worker = start_worker(env={"TASKS_LOG_FORMAT": "json"}, concurrency=1)
    result = app.send_task("health.check_dependencies")
    result.get(timeout=30)

    def task_line() -> dict[str, str] | None:
        for raw in worker.log().splitlines():
            if raw.startswith("{") and "dependencies are" in raw:
                line: dict[str, str] = json.loads(raw)
                return line
        return None

    wait_for(lambda: task_line() is not None, what="the task's log line")
    line = task_line()
    assert line is not None
    assert line["task_id"] == result.id
    assert line["task_name"] == "health.check_dependencies"


def test_awkward_secrets_are_masked_before_json_encoding() -> None:
    secret = 'q"uo\\te\nnew-line-ünï'
    handler = build_handler("json", [secret])
    try:
        raise ValueError(f"failed with {secret}")
    except ValueError:
        record = logging.LogRecord("platform", logging.ERROR, __file__, 1, "arg %s", (secret,), sys.exc_info())
    record.extra_field = {"nested": secret}
    handler.filter(record)
    assert handler.formatter is not None

    line = handler.formatter.format(record)

    for form in (secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]):
        assert form not in line
    parsed = json.loads(line)
    assert parsed["message"] == "arg ***"
    assert parsed["extra_field"] == {"nested": "***"}
    assert "failed with ***" in parsed["exc_info"]


def test_http_client_loggers_stay_at_warning_unless_asked() -> None:
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        configure("text", "INFO", [])
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
        assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING
        configure("text", "INFO", [], "INFO")
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.INFO
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.NOTSET)
