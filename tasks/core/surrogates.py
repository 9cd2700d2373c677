"""Lone surrogates: JSON carries them escaped, but no UTF-8 consumer (pydantic, Redis, logs) can take them."""

from __future__ import annotations

from typing import Any


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def surrogate_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first key or string in `value` that is not valid Unicode, or None."""
    if isinstance(value, str):
        return None if _encodes(value) else (path or "arguments")
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key) if _encodes(str(key)) else repr(key)
            inner = f"{path}.{name}" if path else name
            if not _encodes(str(key)):
                return inner
            found = surrogate_path(item, inner)
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = surrogate_path(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None
