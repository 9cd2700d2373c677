from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tasks.settings import Settings
from tasks.upload.errors import CorruptDocument, UnsupportedFormat
from tasks.upload.metadata import extract
from tasks.upload.parsing import parse
from tests.upload.factories import filler_pages, make_docx, make_pdf

KNOWN = "The zebra crossing schedule changes on the seventh page."


def test_pdf_pages_and_metadata(tmp_path: Path, settings: Settings) -> None:
    path = make_pdf(tmp_path / "report.bin", filler_pages(8, special={7: KNOWN}), title="Ops Review")

    with path.open("rb") as file:
        parsed = parse(file, filename="report.bin", max_pages=100, settings=settings.upload)

    assert parsed.format == "pdf"
    assert len(parsed.pages) == 8
    assert [number for number, page in enumerate(parsed.pages, 1) if "zebra crossing" in page] == [7]
    info = extract(parsed, "report.bin")
    assert info["title"] == "Ops Review"
    assert info["author"] == "Ada Tester"
    assert info["page_count"] == 8
    assert info["language"] == "en"
    assert info["created_at"] is not None


def test_pdf_pages_past_the_limit_are_ignored_and_counted(tmp_path: Path, settings: Settings) -> None:
    path = make_pdf(tmp_path / "long.pdf", filler_pages(6, special={5: KNOWN}))

    with path.open("rb") as file:
        parsed = parse(file, filename="long.pdf", max_pages=3, settings=settings.upload)

    assert len(parsed.pages) == 3
    assert parsed.pages_ignored == 3
    assert not any("zebra" in page for page in parsed.pages)
    assert extract(parsed, "long.pdf")["page_count"] == 6


def test_docx_pages_split_at_page_breaks(tmp_path: Path, settings: Settings) -> None:
    path = make_docx(tmp_path / "memo.docx", [["First page text."], ["Second page.", KNOWN], ["Third."]])

    with path.open("rb") as file:
        parsed = parse(file, filename="memo.docx", max_pages=2, settings=settings.upload)

    assert parsed.format == "docx"
    assert parsed.pages == ["First page text.", "Second page.\n" + KNOWN]
    assert parsed.pages_ignored == 1
    assert parsed.metadata["title"] == "Test DOCX"
    assert parsed.metadata["author"] == "Ada Tester"


def test_html_keeps_visible_text_only(settings: Settings) -> None:
    html = (
        b"<!DOCTYPE html><html><head><title>Guide</title><meta name='author' content='Bo'>"
        b"<style>p{color:red}</style></head><body><script>var hidden = 1;</script>"
        b"<h1>Install</h1><p>Run the installer.</p></body></html>"
    )

    parsed = parse(io.BytesIO(html), filename="page.txt", max_pages=10, settings=settings.upload)

    assert parsed.format == "html"
    assert parsed.pages == ["Install\nRun the installer."]
    assert parsed.metadata == {"title": "Guide", "author": "Bo"}


def test_markdown_by_extension_and_first_heading_as_title(settings: Settings) -> None:
    parsed = parse(
        io.BytesIO(b"Intro\n\n# The Title\n\ntext"), filename="notes.md", max_pages=10, settings=settings.upload
    )

    assert parsed.format == "markdown"
    assert parsed.metadata["title"] == "The Title"


def test_content_decides_over_the_extension(tmp_path: Path, settings: Settings) -> None:
    path = make_pdf(tmp_path / "x.pdf", ["Hello PDF."])

    with path.open("rb") as file:
        parsed = parse(file, filename="looks-like.txt", max_pages=10, settings=settings.upload)

    assert parsed.format == "pdf"


def test_latin1_text_is_decoded(settings: Settings) -> None:
    parsed = parse(
        io.BytesIO("Caf\u00e9 cr\u00e8me".encode("latin-1")), filename="menu.txt", max_pages=1, settings=settings.upload
    )

    assert parsed.pages == ["Caf\u00e9 cr\u00e8me"]


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG image"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "ELF executable"),
        (bytes(range(256)) * 4, "binary content"),
    ],
)
def test_unsupported_content_is_named(content: bytes, named: str, settings: Settings) -> None:
    with pytest.raises(UnsupportedFormat, match=named):
        parse(io.BytesIO(content), filename="file.pdf", max_pages=10, settings=settings.upload)


def test_zip_that_is_not_docx_is_unsupported(settings: Settings) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    buffer.seek(0)

    with pytest.raises(UnsupportedFormat, match="ZIP archive"):
        parse(buffer, filename="a.docx", max_pages=10, settings=settings.upload)


def test_truncated_pdf_is_corrupt(tmp_path: Path, settings: Settings) -> None:
    data = make_pdf(tmp_path / "ok.pdf", filler_pages(3)).read_bytes()

    with pytest.raises(CorruptDocument, match="damaged PDF"):
        parse(io.BytesIO(data[: len(data) // 3]), filename="broken.pdf", max_pages=10, settings=settings.upload)
