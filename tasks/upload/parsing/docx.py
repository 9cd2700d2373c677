"""DOCX through python-docx: paragraphs and tables, pages split at explicit page breaks."""

from __future__ import annotations

from typing import IO, Any
from zipfile import BadZipFile

from docx import Document
from docx.opc.exceptions import PackageNotFoundError

from tasks.upload.errors import CorruptDocument
from tasks.upload.parsing.archive import ArchiveLimits, unpack_bounded
from tasks.upload.parsing.model import Parsed

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def parse_docx(file: IO[bytes], *, max_pages: int, filename: str, limits: ArchiveLimits) -> Parsed:
    # python-docx inflates every part at once (`ZipFile.read`); it gets a bounded, stored copy.
    unpacked = unpack_bounded(file, filename, limits)
    try:
        document = Document(unpacked)
    except (BadZipFile, PackageNotFoundError, KeyError, ValueError) as error:
        raise CorruptDocument(f"{filename!r} is a damaged DOCX: {type(error).__name__}: {error}") from None
    pages: list[list[str]] = [[]]
    for block in document.element.body.iterchildren():
        if block.tag == f"{_W}p":
            for piece, breaks in _paragraph_pieces(block):
                pages[-1].append(piece)
                pages.extend([] for _ in range(breaks))
        elif block.tag == f"{_W}tbl":
            for row in block.iter(f"{_W}tr"):
                cells = ["".join(t.text or "" for t in cell.iter(f"{_W}t")) for cell in row.iter(f"{_W}tc")]
                pages[-1].append(" | ".join(cells))
    texts = ["\n".join(lines) for lines in pages]
    while len(texts) > 1 and not texts[-1].strip():
        texts.pop()
    core = document.core_properties
    metadata: dict[str, Any] = {
        "title": core.title or None,
        "author": core.author or None,
        "created_at": core.created.isoformat() if core.created else None,
        "modified_at": core.modified.isoformat() if core.modified else None,
    }
    kept = texts[:max_pages]
    return Parsed(format="docx", pages=kept, pages_ignored=len(texts) - len(kept), metadata=metadata)


def _paragraph_pieces(paragraph: Any) -> list[tuple[str, int]]:
    """The paragraph's text cut at page breaks: (text, page breaks after it)."""
    pieces: list[tuple[str, int]] = []
    current: list[str] = []
    for node in paragraph.iter(f"{_W}t", f"{_W}br", f"{_W}tab"):
        if node.tag == f"{_W}t":
            current.append(node.text or "")
        elif node.tag == f"{_W}tab":
            current.append("\t")
        elif node.get(f"{_W}type") == "page":
            pieces.append(("".join(current), 1))
            current = []
        else:
            current.append("\n")
    pieces.append(("".join(current), 0))
    return pieces
