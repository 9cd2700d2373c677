"""Structured logging: JSON or text, every line inside a task tagged with its id and name."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Final

from celery._state import get_current_task
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from tasks.redaction import redact, redact_text

TEXT_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s [%(task_name)s %(task_id)s] %(message)s"
JSON_FIELDS = ["asctime", "levelname", "name", "processName", "task_id", "task_name", "message"]
#: Loggers of the HTTP clients: at INFO httpx logs every request's full URL.
HTTP_LOGGERS: Final = ("httpx", "httpcore")
_STANDARD_ATTRS: Final = frozenset(RESERVED_ATTRS) | {"message", "asctime", "task_id", "task_name"}


class TaskContext(logging.Filter):
    """Adds `task_id` and `task_name` of the task running in this process, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        task = get_current_task()
        request = getattr(task, "request", None)
        record.task_id = getattr(request, "id", None) or "-"
        record.task_name = getattr(task, "name", None) if request is not None and request.id else "-"
        return True


class Redacting(logging.Formatter):
    """Masks secrets in a record's message, exception and extra fields before the inner formatter
    encodes them (a secret holding a quote or a newline changes once JSON-escaped), then in the line.
    """

    def __init__(self, inner: logging.Formatter, secrets: Sequence[str]):
        super().__init__()
        self.inner = inner
        self.secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(self.inner.format(self.redacted(record)), self.secrets)

    def redacted(self, record: logging.LogRecord) -> logging.LogRecord:
        """A copy of `record` whose every text is already masked; the original is left as it was."""
        copy = logging.makeLogRecord(record.__dict__)
        if isinstance(record.msg, dict):
            copy.msg = redact(record.msg, self.secrets)
        else:
            copy.msg = redact_text(record.getMessage(), self.secrets)
            copy.args = None
        if record.exc_info:
            copy.exc_text = redact_text(self.inner.formatException(record.exc_info), self.secrets)
        elif record.exc_text:
            copy.exc_text = redact_text(record.exc_text, self.secrets)
        copy.exc_info = None
        if record.stack_info:
            copy.stack_info = redact_text(record.stack_info, self.secrets)
        for name, value in record.__dict__.items():
            if name not in _STANDARD_ATTRS:
                setattr(copy, name, redact(value, self.secrets))
        return copy


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


def configure(log_format: str, level: int | str, secrets: Sequence[str], http_level: int | str = "WARNING") -> None:
    """Replace the root logger's handlers with the platform's one; HTTP clients log at `http_level`."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(build_handler(log_format, secrets))
    root.setLevel(level)
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(http_level)
