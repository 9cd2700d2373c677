from __future__ import annotations

import pytest

from tasks.upload.chunking import chunk_pages
from tasks.upload.params import ChunkingStrategy

PAGES = [
    "Alpha one. Alpha two is a longer sentence here. Alpha three!",
    "Beta one? Beta two comes on the second page. Beta three.",
    "Gamma closes the document on page three.",
]


@pytest.mark.parametrize("strategy", ["fixed", "recursive", "sentence"])
def test_chunks_respect_size_and_cover_every_page(strategy: ChunkingStrategy) -> None:
    chunks = chunk_pages(PAGES, strategy=strategy, size=50, overlap=10)

    assert all(len(chunk.text) <= 50 for chunk in chunks)
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))
    assert {page for chunk in chunks for page in chunk.pages} == {1, 2, 3}
    joined = " ".join(chunk.text for chunk in chunks)
    for word in ("Alpha", "Beta", "Gamma", "three"):
        assert word in joined


@pytest.mark.parametrize("strategy", ["fixed", "recursive", "sentence"])
def test_chunks_know_their_pages(strategy: ChunkingStrategy) -> None:
    for chunk in chunk_pages(PAGES, strategy=strategy, size=50, overlap=10):
        for word, page in (("Alpha", 1), ("Beta", 2), ("Gamma", 3)):
            if word in chunk.text:
                assert page in chunk.pages, (chunk, word)


def test_fixed_windows_overlap_by_the_given_characters() -> None:
    text = "".join(chr(ord("a") + i % 26) for i in range(100))

    chunks = chunk_pages([text], strategy="fixed", size=40, overlap=10)

    assert [len(chunk.text) for chunk in chunks] == [40, 40, 40]
    assert chunks[0].text[-10:] == chunks[1].text[:10]
    assert chunks[-1].text.endswith(text[-10:])


def test_sentence_chunks_end_at_sentence_boundaries() -> None:
    chunks = chunk_pages(PAGES, strategy="sentence", size=60, overlap=0)

    assert all(chunk.text.rstrip().endswith((".", "!", "?")) for chunk in chunks)


def test_markdown_keeps_the_heading_path() -> None:
    text = "# Guide\n\nIntro.\n\n## Install\n\nRun pip.\n\n### Linux\n\nUse apt.\n\n## Usage\n\nCall run()."

    chunks = chunk_pages([text], strategy="markdown", size=500, overlap=50)

    by_text = {chunk.text.split("\n")[-1]: chunk.headings for chunk in chunks}
    assert by_text["Use apt."] == "Guide > Install > Linux"
    assert by_text["Call run()."] == "Guide > Usage"
    assert by_text["Intro."] == "Guide"


def test_markdown_splits_long_sections_by_size() -> None:
    text = "# Long\n\n" + "word " * 400

    chunks = chunk_pages([text], strategy="markdown", size=300, overlap=20)

    assert len(chunks) > 1
    assert all(len(chunk.text) <= 300 and chunk.headings == "Long" for chunk in chunks)
