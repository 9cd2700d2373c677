"""The classifier on hostile logs: long lines, many lines, near-matches of every pattern.

Completion is what is tested (each test has a timeout a quadratic pattern exceeds many times
over); the time per megabyte is measured by bench/classifier_adversarial.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tasks.github.classifier import classify
from tasks.github.classifier.scoring import MAX_MESSAGE_CHARS
from tasks.github.job_logs import MAX_LINE_CHARS, MAX_STEP_LINES, failing_step, normalise
from tests.github.hostile_logs import compiled_patterns, hostile_lines, near_matches, near_misses

LOGS = Path(__file__).parent / "logs"
#: Longer than any line the classifier reads, so the patterns alone (not the line limit) must be linear:
#: a quadratic one takes minutes on lines this long.
RAW_LINE_CHARS = 30_000


@pytest.mark.timeout(60)
@pytest.mark.parametrize("pattern", compiled_patterns(), ids=lambda pattern: pattern.pattern[:60])
def test_every_pattern_is_linear_on_its_near_matches(pattern: re.Pattern[str]) -> None:
    lines = list(near_matches(pattern.pattern, RAW_LINE_CHARS))

    matched = [line for line in lines if pattern.search(line)]
    text = "\n".join(lines)

    assert len(lines) > len(matched)
    assert (pattern.search(text) is not None) == bool(matched)


@pytest.mark.timeout(60)
def test_long_lines_are_cut_and_classified() -> None:
    pytest_summary = "= " + "1" * 300_000
    refused = "Connection refused\n" + "a" * 300_000

    unknown = classify(pytest_summary)
    network = classify(refused)

    assert unknown.category == "unknown"
    assert [len(error.message) for error in unknown.errors] == [MAX_MESSAGE_CHARS]
    assert network.category == "infrastructure" and network.tool == "network"
    assert [error.message for error in network.errors] == ["Connection refused"]
    assert all(len(line) <= MAX_LINE_CHARS for line in normalise(refused))


@pytest.mark.timeout(120)
def test_near_misses_of_every_pattern_change_nothing() -> None:
    real = (LOGS / "pytest.log").read_text()
    clean = classify(real)
    # Not the runner's own markers: a `##[group]Run` line starts another step, rightly.
    hostile = "\n".join(line for line in near_misses(MAX_LINE_CHARS // 2) if not line.startswith("##["))
    # The hostile output goes inside the failing step, after the test failures, before its exit code.
    at = real.index("##[error]Process completed")
    at = real.rindex("\n", 0, at) + 1

    result = classify(real[:at] + hostile + "\n" + real[at:])

    assert clean.category == "test" and clean.errors
    assert result.category == "test" and result.tool == clean.tool
    assert result.errors[: len(clean.errors)] == clean.errors


@pytest.mark.timeout(120)
def test_near_matches_of_every_pattern_complete() -> None:
    lines = hostile_lines(MAX_LINE_CHARS * 3) * 2

    result = classify("\n".join(lines))

    assert len(lines) > MAX_STEP_LINES and result.category != "unknown"
    assert result.errors and all(len(error.message) <= MAX_MESSAGE_CHARS for error in result.errors)


@pytest.mark.timeout(120)
def test_many_lines_are_bounded_to_the_end_of_the_failing_step() -> None:
    filler = "\n".join(f"= {index} failed near-miss in s" for index in range(200_000))
    log = f"##[group]Run pytest\n{filler}\nFAILED tests/test_calc.py::test_add - assert 2 == 3\n"
    log += "##[error]Process completed with exit code 1.\n" + "##[error]x\n" * 10_000

    step = failing_step(normalise(log))
    result = classify(log)

    assert len(step) <= MAX_STEP_LINES + 100
    assert result.category == "test"
    assert any(error.file == "tests/test_calc.py" for error in result.errors)
