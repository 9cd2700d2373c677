"""Text clean-up after extraction: NUL bytes, words hyphenated across lines, whitespace."""

from __future__ import annotations

import re
import unicodedata

_HYPHENATED = re.compile(r"(\w)-\n[ \t]*(\w)")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
#: Unicode category Cc (C0 and C1 controls, DEL) except newline and tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def normalize(text: str) -> str:
    """NFC, no NULs or control characters, rejoined hyphenation, single spaces, at most one blank line."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _HYPHENATED.sub(r"\1\2", text)
    text = _SPACES.sub(" ", text)
    # Runs of blanks are single spaces by now; a pattern like `[ \t]+\n` would rescan each run
    # from every position in it (quadratic) where this is one pass.
    text = text.replace(" \n", "\n")
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()
