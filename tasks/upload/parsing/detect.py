"""The format from the content's first bytes; the file name only breaks ties between text formats."""

from __future__ import annotations

import re
import zipfile
from typing import IO

from tasks.upload.errors import CorruptDocument, UnsupportedFormat
from tasks.upload.parsing.model import Format

#: Bytes looked at to recognise a format.
SNIFF_BYTES = 8192

#: Binary formats recognised only to name them when refusing.
_KNOWN_BINARY = {
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"\x1f\x8b": "gzip archive",
    b"\x7fELF": "ELF executable",
    b"Rar!": "RAR archive",
    b"7z\xbc\xaf": "7-Zip archive",
    b"\xd0\xcf\x11\xe0": "legacy Office (OLE) file",
}
_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mdown", ".mkd")
_HTML_EXTENSIONS = (".html", ".htm", ".xhtml")


def detect(file: IO[bytes], filename: str) -> Format:
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    name = filename.lower()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(file, filename)
    for magic, kind in _KNOWN_BINARY.items():
        if head.startswith(magic):
            raise UnsupportedFormat(f"{filename!r} is a {kind}, not a supported document format")
    if not _looks_like_text(head):
        raise UnsupportedFormat(f"{filename!r} is binary content of no supported format")
    if _HTML.match(head.lstrip(b"\xef\xbb\xbf")) or name.endswith(_HTML_EXTENSIONS):
        return "html"
    if name.endswith(_MARKDOWN_EXTENSIONS):
        return "markdown"
    return "text"


def _zip_format(file: IO[bytes], filename: str) -> Format:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise CorruptDocument(f"{filename!r} looks like a ZIP-based document but its archive is damaged") from None
    finally:
        file.seek(0)
    if "word/document.xml" in names:
        return "docx"
    raise UnsupportedFormat(f"{filename!r} is a ZIP archive, not a DOCX document")


def _looks_like_text(head: bytes) -> bool:
    if head.count(b"\x00") > len(head) // 100:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A character cut at the sniff boundary is still UTF-8; otherwise accept a legacy
        # 8-bit encoding when control bytes are rare.
        if error.start >= len(head) - 3:
            return True
        controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f")
        return controls <= len(head) // 100
    return True
