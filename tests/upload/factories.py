"""Generated test documents: PDFs (fpdf2) and DOCX files (python-docx) with known text on known pages."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_BREAK
from fpdf import FPDF

FILLER = (
    "The quarterly operations review covered staffing, budgets and the roadmap for the coming year. "
    "Teams reported on their milestones and the risks they see ahead. "
)


def make_pdf(path: Path, pages: list[str], *, title: str = "Test PDF", author: str = "Ada Tester") -> Path:
    """A PDF with one given text per page."""
    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def make_docx(path: Path, pages: list[list[str]], *, title: str = "Test DOCX", author: str = "Ada Tester") -> Path:
    """A DOCX whose pages (lists of paragraphs) are separated by explicit page breaks."""
    document = Document()
    document.core_properties.title = title
    document.core_properties.author = author
    for number, paragraphs in enumerate(pages):
        for text in paragraphs:
            document.add_paragraph(text)
        if number < len(pages) - 1:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def filler_pages(count: int, *, special: dict[int, str] | None = None) -> list[str]:
    """`count` pages of filler; page numbers (1-based) in `special` get that sentence added."""
    special = special or {}
    return [f"Page {number}. " + FILLER * 3 + special.get(number, "") for number in range(1, count + 1)]


def make_docx_bomb(path: Path, unpacked_bytes: int) -> Path:
    """A DOCX whose `word/document.xml` is `unpacked_bytes` long but mostly one run of spaces (deflates ~1000:1)."""
    import zipfile

    template = make_docx(path.with_suffix(".template.docx"), [["seed"]])
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                bomb.writestr(info, source.read(info))
        with bomb.open("word/document.xml", "w") as member:
            head = source.read("word/document.xml")
            member.write(head)
            step = b" " * (1024 * 1024)
            for _ in range(max(unpacked_bytes - len(head), 0) // len(step)):
                member.write(step)
    template.unlink()
    return path


def make_pdf_bomb(path: Path, unpacked_bytes: int, pages: int = 1) -> Path:
    """A PDF whose pages each have a FlateDecode content stream that inflates to `unpacked_bytes`."""
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(width=200, height=200)
        stream = StreamObject()
        stream.set_data(zlib.compress(b"BT (x) Tj ET " + b" " * unpacked_bytes, 9))
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(stream)
    with path.open("wb") as file:
        writer.write(file)
    return path
