"""Redaction of secrets from task arguments, log lines and error messages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

#: What replaces a secret.
MASK = "***"

#: Keys whose values are secrets whatever they hold.
SECRET_KEY = re.compile(r"token|passw|secret|api[_-]?key|authorization|private[_-]?key|credential", re.IGNORECASE)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of `value` with secret-named keys masked and known secret values replaced."""
    secrets = tuple(s for s in secrets if s)
    return _redact(value, secrets)


def _redact(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {
            key: MASK if isinstance(key, str) and SECRET_KEY.search(key) and item else _redact(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_redact(item, secrets) for item in value)
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value
