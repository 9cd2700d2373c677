"""What a parser returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Format = Literal["pdf", "docx", "text", "markdown", "html"]


@dataclass
class Parsed:
    """A document's text per page (one page for formats without pages) and its own metadata."""

    format: Format
    pages: list[str]
    #: Pages past `max_pages`, not read.
    pages_ignored: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
