"""Parsers, one module per format; `parse` picks one from the content."""

from __future__ import annotations

from typing import IO

from tasks.settings import UploadSettings
from tasks.upload.normalize import normalize
from tasks.upload.parsing.detect import detect
from tasks.upload.parsing.model import Format, Parsed

__all__ = ["Format", "Parsed", "parse"]


def parse(file: IO[bytes], *, filename: str, max_pages: int, settings: UploadSettings) -> Parsed:
    """Detect the format, extract the text per page (normalised) and the format's own metadata.

    `settings` bound what a PDF or DOCX may unpack to.
    """
    kind = detect(file, filename)
    if kind == "pdf":
        from tasks.upload.parsing.pdf import parse_pdf

        parsed = parse_pdf(
            file,
            max_pages=max_pages,
            filename=filename,
            stream_bytes=settings.max_unpacked_member_bytes,
            total_bytes=settings.max_unpacked_bytes,
        )
    elif kind == "docx":
        from tasks.upload.parsing.archive import ArchiveLimits
        from tasks.upload.parsing.docx import parse_docx

        limits = ArchiveLimits.from_settings(settings)
        parsed = parse_docx(file, max_pages=max_pages, filename=filename, limits=limits)
    elif kind == "html":
        from tasks.upload.parsing.html import parse_html

        parsed = parse_html(file)
    else:
        from tasks.upload.parsing.text import parse_text

        parsed = parse_text(file, kind)
    parsed.pages = [normalize(page) for page in parsed.pages]
    return parsed
