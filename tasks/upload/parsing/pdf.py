"""PDF through pypdf: one text per page, up to the page limit; the document information."""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from pypdf import PageObject, PdfReader, apply_configuration, get_configuration
from pypdf.errors import LimitReachedError, PyPdfError
from pypdf.generic import ArrayObject

from tasks.upload.errors import ArchiveTooLarge, CorruptDocument
from tasks.upload.parsing.model import Parsed


def parse_pdf(file: IO[bytes], *, max_pages: int, filename: str, stream_bytes: int, total_bytes: int) -> Parsed:
    """`stream_bytes` bounds what any one stream may decode to (pypdf's own limits, lowered),
    `total_bytes` what the pages' content streams decode to together (pypdf keeps them decoded)."""
    try:
        with apply_configuration(None, **_stream_limits(stream_bytes)):
            reader = PdfReader(file)
            if reader.is_encrypted:
                raise CorruptDocument(f"{filename!r} is an encrypted PDF")
            total = len(reader.pages)
            pages = []
            decoded = 0
            for number in range(min(total, max_pages)):
                decoded += _decode_contents(reader.pages[number])
                if decoded > total_bytes:
                    raise ArchiveTooLarge(
                        f"{filename!r}: the content of its first {number + 1} pages unpacks to more than "
                        f"{total_bytes} bytes (TASKS_UPLOAD__MAX_UNPACKED_BYTES)"
                    )
                pages.append(reader.pages[number].extract_text() or "")
            info = reader.metadata
    except LimitReachedError as error:
        raise ArchiveTooLarge(
            f"{filename!r} has a stream that unpacks past a limit (TASKS_UPLOAD__MAX_UNPACKED_MEMBER_BYTES is "
            f"{stream_bytes}): {error}"
        ) from None
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


def _decode_contents(page: PageObject) -> int:
    """Decode the page's content streams, returning their size: done before `extract_text`, which
    swallows a stream over the limits (and returns no text) where the document must be refused."""
    contents: Any = page.get("/Contents")
    found = contents.get_object() if contents is not None else None
    streams = list(found) if isinstance(found, ArrayObject) else [found] if found is not None else []
    return sum(len(stream.get_object().get_data()) for stream in streams)


def _stream_limits(stream_bytes: int) -> dict[str, int]:
    names = (
        "maximum_declared_stream_length",
        "array_based_stream_maximum_output_length",
        "jbig2_maximum_output_length",
        "lzw_maximum_output_length",
        "run_length_maximum_output_length",
        "zlib_maximum_output_length",
        "brotli_maximum_output_length",
        "image_maximum_buffer_size",
    )
    defaults = get_configuration()
    return {name: min(stream_bytes, int(getattr(defaults, name))) for name in names}


def _safe(read: Any) -> datetime | None:
    """A date pypdf cannot parse is left out rather than failing the document."""
    try:
        value = read()
    except ValueError:
        return None
    return value if isinstance(value, datetime) else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
