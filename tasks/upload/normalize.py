"""Text clean-up after extraction: NUL bytes, words hyphenated across lines, whitespace."""

from __future__ import annotations

import re
import unicodedata

_HYPHENATED = re.compile(r"(\w)-\n[ \t]*(\w)")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_TRAILING = re.compile(r"[ \t]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize(text: str) -> str:
    """NFC, no NULs or control characters, rejoined hyphenation, single spaces, at most one blank line."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = "".join(char for char in text if char in "\n\t" or unicodedata.category(char) != "Cc")
    text = _HYPHENATED.sub(r"\1\2", text)
    text = _SPACES.sub(" ", text)
    text = _TRAILING.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()
