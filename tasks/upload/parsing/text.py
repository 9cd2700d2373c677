"""Plain text and Markdown: one page; Markdown's first heading is its title."""

from __future__ import annotations

import re
from typing import IO

from tasks.upload.parsing.model import Format, Parsed

_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which maps every byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_text(file: IO[bytes], format: Format = "text") -> Parsed:
    text = decode(file.read())
    metadata = {}
    if format == "markdown" and (heading := _HEADING.search(text)):
        metadata["title"] = heading.group(1)
    return Parsed(format=format, pages=[text], metadata=metadata)
