"""Every pattern over document text runs in linear time: adversarial inputs finish, results unchanged.

The bounds are pytest's per-test timeout; speed figures are in bench/hostile_uploads.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.upload.chunking import chunk_pages, sentence_spans
from tasks.upload.normalize import normalize
from tasks.upload.parsing.text import first_heading

#: The sentence pattern the linear scan replaced: the reference for what a sentence is.
_LAZY_SENTENCE = re.compile(r"\S.*?(?:(?<=[.!?])(?=[\"')\]]*\s)|(?=\n{2,})|\Z)[\"')\]]*", re.DOTALL)

#: One megabyte of a heading line built to make backtracking patterns explode.
ADVERSARIAL_HEADING = "# a" + " " * 1_000_000 + "bc"


@given(st.text(alphabet="ab .!?\"')]\n\t", max_size=60))
@settings(max_examples=400, deadline=None)
def test_sentence_spans_match_the_pattern_they_replace(text: str) -> None:
    expected = [(match.start(), match.end()) for match in _LAZY_SENTENCE.finditer(text)]

    assert list(sentence_spans(text)) == expected


def test_sentences_split_at_punctuation_quotes_and_blank_lines() -> None:
    text = 'One. "Two!" Three?\n\nFour (five.) six'

    assert [text[start:end] for start, end in sentence_spans(text)] == [
        "One.",
        '"Two!"',
        "Three?",
        "Four (five.)",
        "six",
    ]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("intro\n# Title ##\nbody", "Title"),
        ("#   Spaced   out  \n", "Spaced   out"),
        ("## Second level\n# First\n", "First"),
        ("#nospace\n#\n# \n", None),
        ("# a" + " " * 2000 + "bc", "a" + " " * 2000 + "bc"),
    ],
)
def test_first_heading(text: str, title: str | None) -> None:
    assert first_heading(text) == title


def test_a_megabyte_heading_line_finishes() -> None:
    assert first_heading(ADVERSARIAL_HEADING) == ADVERSARIAL_HEADING[2:]


@pytest.mark.parametrize(
    "text",
    [
        "a" + " " * 1_000_000 + "b",
        "a" + "\t \t" * 300_000 + "\n",
        "a-\n" + " " * 1_000_000 + "b",
        "\n\n" * 500_000 + "x",
        "x." + '"' * 1_000_000 + "y",
    ],
    ids=["spaces", "tabs-before-newline", "hyphen-then-spaces", "blank-lines", "quotes-after-stop"],
)
def test_normalising_and_sentence_chunking_adversarial_text_finishes(text: str) -> None:
    cleaned = normalize(text)

    chunks = chunk_pages([cleaned], strategy="sentence", size=1000, overlap=100)

    assert "".join(chunk.text for chunk in chunks).replace(" ", "") != ""
