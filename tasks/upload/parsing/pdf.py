"""PDF through pypdf: one text per page, up to the page limit; the document information."""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from tasks.upload.errors import CorruptDocument
from tasks.upload.parsing.model import Parsed


def parse_pdf(file: IO[bytes], *, max_pages: int, filename: str) -> Parsed:
    try:
        reader = PdfReader(file)
        if reader.is_encrypted:
            raise CorruptDocument(f"{filename!r} is an encrypted PDF")
        total = len(reader.pages)
        pages = [reader.pages[number].extract_text() or "" for number in range(min(total, max_pages))]
        info = reader.metadata
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise CorruptDocument(f"{filename!r} is a damaged PDF: {type(error).__name__}: {error}") from None
    metadata: dict[str, Any] = {}
    if info is not None:
        metadata = {
            "title": info.title,
            "author": info.author,
            "created_at": _iso(_safe(lambda: info.creation_date)),
            "modified_at": _iso(_safe(lambda: info.modification_date)),
        }
    return Parsed(format="pdf", pages=pages, pages_ignored=max(total - max_pages, 0), metadata=metadata)


def _safe(read: Any) -> datetime | None:
    """A date pypdf cannot parse is left out rather than failing the document."""
    try:
        value = read()
    except ValueError:
        return None
    return value if isinstance(value, datetime) else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
