"""Redaction of secrets from task arguments, log lines, error messages and URLs.

A secret is masked in every form it takes in text: as is, JSON-escaped (with or
without `ensure_ascii`), as a Python repr, percent-encoded, and, for a multi-line
secret such as a PEM key, line by line. Every URL also loses its user-info and
its query values, whatever secrets are configured.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Final
from urllib.parse import quote

#: What replaces a secret.
MASK = "***"

#: Keys whose values are secrets whatever they hold.
SECRET_KEY = re.compile(r"token|passw|secret|api[_-]?key|authorization|private[_-]?key|credential", re.IGNORECASE)

#: Credentials minted at run time (installation tokens, JWTs) kept for masking; the oldest are forgotten.
MAX_REMEMBERED: Final = 64
#: Lines of a multi-line secret shorter than this are not masked on their own (PEM armour, blank lines).
MIN_LINE_CHARS: Final = 16

#: scheme://[user-info@]host[path][?query][#fragment], stopping at whitespace and quotes.
URL = re.compile(
    r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^\s/?#@'\"<>]*@)?"
    r"(?P<rest>[^\s?#'\"<>]*)(?P<query>\?[^\s#'\"<>]*)?"
)
_QUERY_VALUE = re.compile(r"=[^&;]*")

_remembered: deque[str] = deque(maxlen=MAX_REMEMBERED)
_remembered_lock = threading.Lock()


def remember(secret: str) -> None:
    """Mask `secret` from now on in this process (a credential minted at run time)."""
    if secret:
        with _remembered_lock:
            if secret not in _remembered:
                _remembered.append(secret)


def remembered() -> tuple[str, ...]:
    with _remembered_lock:
        return tuple(_remembered)


@lru_cache(maxsize=256)
def variants(secret: str) -> tuple[str, ...]:
    """Every form of `secret` that may appear in text, longest first."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        quote(secret, safe=""),
    }
    if "\n" in secret:
        lines = (line.strip() for line in secret.splitlines())
        forms.update(line for line in lines if len(line) >= MIN_LINE_CHARS)
    return tuple(sorted((form for form in forms if form), key=len, reverse=True))


def redact_url(url: str) -> str:
    """`url` without its user-info and with its query values masked."""
    return URL.sub(_redact_url_match, url)


def _redact_url_match(match: re.Match[str]) -> str:
    userinfo = f"{MASK}@" if match["userinfo"] else ""
    query = match["query"] or ""
    if query:
        query = "?" + (_QUERY_VALUE.sub(f"={MASK}", query[1:]) if "=" in query else MASK)
    return f"{match['scheme']}{userinfo}{match['rest']}{query}"


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """`text` with every form of every secret (and of every remembered one) masked, and its URLs redacted."""
    forms = sorted({form for secret in (*secrets, *remembered()) if secret for form in variants(secret)}, key=len)
    for form in reversed(forms):
        if form in text:
            text = text.replace(form, MASK)
    return redact_url(text) if "://" in text else text


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
