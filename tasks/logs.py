"""Structured logging: JSON or text, every line inside a task tagged with its id and name."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from celery._state import get_current_task
from pythonjsonlogger.json import JsonFormatter

from tasks.redaction import redact_text

TEXT_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s [%(task_name)s %(task_id)s] %(message)s"
JSON_FIELDS = ["asctime", "levelname", "name", "processName", "task_id", "task_name", "message"]


class TaskContext(logging.Filter):
    """Adds `task_id` and `task_name` of the task running in this process, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        task = get_current_task()
        request = getattr(task, "request", None)
        record.task_id = getattr(request, "id", None) or "-"
        record.task_name = getattr(task, "name", None) if request is not None and request.id else "-"
        return True


class Redacting(logging.Formatter):
    """Replaces every configured secret's value in the formatted line."""

    def __init__(self, inner: logging.Formatter, secrets: Sequence[str]):
        super().__init__()
        self.inner = inner
        self.secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(self.inner.format(record), self.secrets)


def build_handler(log_format: str, secrets: Sequence[str]) -> logging.Handler:
    inner: logging.Formatter
    if log_format == "json":
        inner = JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "asctime": "time"})
    else:
        inner = logging.Formatter(TEXT_FORMAT)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TaskContext())
    handler.setFormatter(Redacting(inner, secrets))
    return handler


def configure(log_format: str, level: int | str, secrets: Sequence[str]) -> None:
    """Replace the root logger's handlers with the platform's one."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(build_handler(log_format, secrets))
    root.setLevel(level)
