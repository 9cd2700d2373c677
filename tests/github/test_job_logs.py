"""Actions job logs: timestamps stripped, the failing step picked out."""

from __future__ import annotations

from tasks.github.job_logs import failing_step, normalise

LOG = """\
2026-11-20T09:14:02.0070000Z ##[group]Run ruff check .
2026-11-20T09:14:02.0140000Z ruff check .
2026-11-20T09:14:02.0210000Z shell: /usr/bin/bash -e {0}
2026-11-20T09:14:02.0280000Z ##[endgroup]
2026-11-20T09:14:02.0350000Z All checks passed!
2026-11-20T09:14:02.0420000Z ##[group]Run pytest
2026-11-20T09:14:02.0490000Z pytest
2026-11-20T09:14:02.0560000Z ##[endgroup]
2026-11-20T09:14:02.0630000Z \x1b[31mFAILED test_calc.py::test_add\x1b[0m
2026-11-20T09:14:02.0700000Z ##[error]Process completed with exit code 1.
2026-11-20T09:14:02.0770000Z Post job cleanup.
2026-11-20T09:14:02.0840000Z ##[error]The operation was canceled.
"""


def test_failing_step_is_the_one_before_the_process_error() -> None:
    assert failing_step(normalise(LOG)) == [
        "##[group]Run pytest",
        "FAILED test_calc.py::test_add",
        "##[error]Process completed with exit code 1.",
        "##[error]The operation was canceled.",
    ]


def test_text_without_markers_is_kept_whole() -> None:
    assert failing_step(normalise("line one\nline two\n")) == ["line one", "line two"]
