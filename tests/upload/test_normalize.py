from __future__ import annotations

from tasks.upload.normalize import normalize


def test_rejoins_words_hyphenated_across_lines() -> None:
    assert normalize("the distri-\nbuted queue") == "the distributed queue"


def test_keeps_real_hyphens_and_paragraphs() -> None:
    assert normalize("a well-known  tool\n\n\n\nnext\t paragraph") == "a well-known tool\n\nnext paragraph"


def test_removes_nul_and_control_characters() -> None:
    assert normalize("ab\x00c\x07d\r\ne ") == "abcd\ne"


def test_removes_c1_controls_and_delete_but_keeps_other_text() -> None:
    assert normalize("a\x7fb\x85c\x1bd\x0be é ünï") == "abcde é ünï"
