"""Document metadata for the record and every chunk: title, author, dates, pages, language."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from tasks.upload.parsing.model import Parsed

#: Characters of text the language is guessed from.
LANGUAGE_SAMPLE_CHARS = 5000


def extract(parsed: Parsed, filename: str) -> dict[str, Any]:
    """The metadata of the contract; a field the document does not state is None."""
    found = parsed.metadata
    title = found.get("title") or PurePath(filename).stem
    return {
        "title": str(title).strip() or None,
        "author": found.get("author"),
        "created_at": found.get("created_at"),
        "modified_at": found.get("modified_at"),
        "page_count": len(parsed.pages) + parsed.pages_ignored,
        "language": detect_language(" ".join(parsed.pages)[:LANGUAGE_SAMPLE_CHARS]),
        "format": parsed.format,
    }


def detect_language(sample: str) -> str | None:
    """An ISO 639-1 code, or None for text too short or too odd to tell."""
    from langdetect import DetectorFactory, LangDetectException, detect

    # langdetect is random unless seeded; the same text must always get the same answer.
    DetectorFactory.seed = 0
    if len(sample.strip()) < 20:
        return None
    try:
        return str(detect(sample))
    except LangDetectException:
        return None


def chunk_metadata(metadata: dict[str, Any]) -> dict[str, str | int]:
    """The metadata as Chroma stores it: scalars only, absent fields left out."""
    return {name: value for name, value in metadata.items() if isinstance(value, str | int)}
