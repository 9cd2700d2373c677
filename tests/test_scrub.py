"""Masking an exception where it leaves a task: its message and its causes'."""

from __future__ import annotations

from tasks.redaction import MASK
from tasks.scrub import scrub_exception, scrub_text


def test_an_exception_and_its_causes_lose_their_urls_credentials() -> None:
    outer = RuntimeError("http://u:outer-pass@h:1/y?token=qq unreachable", 3)
    outer.__cause__ = ConnectionError("connect to http://u:cause-pass@h:1/x failed")

    scrub_exception(outer, ())

    assert outer.args == (f"http://{MASK}@h:1/y?token={MASK} unreachable", 3)
    assert str(outer.__cause__) == f"connect to http://{MASK}@h:1/x failed"


def test_scrub_text_masks_urls_without_any_configured_secret() -> None:
    assert scrub_text("at redis://:pw@h:6379/0", ()) == f"at redis://{MASK}@h:6379/0"
