"""Splitting a document's pages into chunks that remember their pages (and Markdown headings)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from tasks.upload.params import ChunkingStrategy

#: Between pages in the joined text, so no chunk glues two pages' words together.
PAGE_SEPARATOR = "\n\n"
_HEADINGS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4"), ("#####", "h5"), ("######", "h6")]


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    #: 1-based page numbers the chunk's text comes from.
    pages: list[int]
    #: Markdown heading path, "Intro > Install", for the `markdown` strategy.
    headings: str | None = None
    questions: list[str] = field(default_factory=list)


def chunk_pages(pages: list[str], *, strategy: ChunkingStrategy, size: int, overlap: int) -> list[Chunk]:
    text = PAGE_SEPARATOR.join(pages)
    starts = _page_starts(pages)
    pieces = list(_split(text, strategy, size, overlap))
    chunks: list[Chunk] = []
    for start, piece, headings in pieces:
        if not piece.strip():
            continue
        first = bisect_right(starts, start)
        last = bisect_right(starts, start + len(piece) - 1)
        chunks.append(Chunk(len(chunks), piece, list(range(first, last + 1)), headings))
    return chunks


def _page_starts(pages: list[str]) -> list[int]:
    starts, offset = [], 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + len(PAGE_SEPARATOR)
    return starts


Piece = tuple[int, str, str | None]


def _split(text: str, strategy: ChunkingStrategy, size: int, overlap: int) -> Iterator[Piece]:
    if strategy == "fixed":
        step = size - overlap
        for start in range(0, len(text), step):
            yield start, text[start : start + size], None
            if start + size >= len(text):
                return
    elif strategy == "recursive":
        yield from _recursive(text, 0, size, overlap, None)
    elif strategy == "sentence":
        yield from _sentences(text, size, overlap)
    else:
        yield from _markdown(text, size, overlap)


def _recursive(text: str, base: int, size: int, overlap: int, headings: str | None) -> Iterator[Piece]:
    splitter = RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=overlap, add_start_index=True)
    for document in splitter.create_documents([text]):
        yield base + int(document.metadata["start_index"]), document.page_content, headings


def _sentences(text: str, size: int, overlap: int) -> Iterator[Piece]:
    """Whole sentences packed up to `size`; the last sentences (up to `overlap`) start the next chunk."""
    window: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        if end - start > size:
            if window:
                yield window[0][0], text[window[0][0] : window[-1][1]], None
                window = []
            yield from _recursive(text[start:end], start, size, overlap, None)
            continue
        if window and end - window[0][0] > size:
            yield window[0][0], text[window[0][0] : window[-1][1]], None
            kept: list[tuple[int, int]] = []
            for span in reversed(window):
                if end - span[0] > size or window[-1][1] - span[0] > overlap:
                    break
                kept.insert(0, span)
            window = kept
        window.append((start, end))
    if window:
        yield window[0][0], text[window[0][0] : window[-1][1]], None


#: A sentence ends after `.`, `!` or `?` and closing quotes or brackets before a blank, or at a
#: blank line. Each alternative has one quantifier over characters the next token cannot match,
#: so the scan is linear (the lazy `\S.*?(?:...)` it replaces retried the lookaheads at every step).
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s)|\n\n")
_NON_SPACE = re.compile(r"\S")


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence: from a non-blank character to its end, the last one to the text's end."""
    begun = _NON_SPACE.search(text)
    if begun is None:
        return
    start = begun.start()
    for boundary in _SENTENCE_END.finditer(text):
        end = boundary.start() if boundary.group() == "\n\n" else boundary.end()
        if end <= start:
            continue
        yield start, end
        following = _NON_SPACE.search(text, end)
        if following is None:
            return
        start = following.start()
    yield start, len(text)


def _markdown(text: str, size: int, overlap: int) -> Iterator[Piece]:
    """Sections split at headings (kept in the text), each split further by size."""
    splitter = MarkdownHeaderTextSplitter(_HEADINGS, strip_headers=False)
    cursor = 0
    for section in splitter.split_text(text):
        path = " > ".join(str(section.metadata[name]) for _, name in _HEADINGS if name in section.metadata)
        content = section.page_content
        found = text.find(content[:200], cursor)
        start = found if found >= 0 else cursor
        cursor = start
        yield from _recursive(content, start, size, overlap, path or None)
