"""Plain text and Markdown: one page; Markdown's first heading is its title."""

from __future__ import annotations

from typing import IO

from tasks.upload.parsing.model import Format, Parsed


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which maps every byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_text(file: IO[bytes], format: Format = "text") -> Parsed:
    text = decode(file.read())
    metadata = {}
    if format == "markdown" and (title := first_heading(text)):
        metadata["title"] = title
    return Parsed(format=format, pages=[text], metadata=metadata)


def first_heading(text: str) -> str | None:
    """The text of the first `# heading` line, closing hashes dropped.

    String methods, not a regular expression: a pattern like `#\\s+(.+?)\\s*#*\\s*$` backtracks
    cubically on one long line of spaces, and every step here is linear in the line.
    """
    for line in text.splitlines():
        if len(line) > 1 and line[0] == "#" and line[1].isspace():
            title = line[1:].strip().rstrip("#").rstrip()
            if title:
                return title
    return None
