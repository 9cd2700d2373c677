"""The classifier on real tool output (tests/github/logs, made by logs/generate.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tasks.github.classifier import classify
from tests.github.classifier_eval import found

LOGS = Path(__file__).parent / "logs"
MANIFEST: dict[str, dict[str, Any]] = json.loads((LOGS / "manifest.json").read_text())
#: Floors for the whole set; the README records the measured figures.
MIN_ACCURACY = 0.9
MIN_KEY_LINE_RECALL = 0.9


def evaluate() -> tuple[float, float, dict[str, str]]:
    """Accuracy of the category, recall of the key lines, and the category given to each log."""
    correct, hits, total = 0, 0, 0
    given: dict[str, str] = {}
    for name, label in sorted(MANIFEST.items()):
        result = classify((LOGS / f"{name}.log").read_text())
        given[name] = result.category
        correct += result.category == label["category"]
        total += len(label["expected"])
        hits += sum(found(expected, result.errors) for expected in label["expected"])
    return correct / len(MANIFEST), hits / total, given


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_category_of_each_tool_log(name: str) -> None:
    result = classify((LOGS / f"{name}.log").read_text())

    assert result.category == MANIFEST[name]["category"], result.summary
    assert 0.0 <= result.confidence <= 1.0
    assert result.summary
    missing = [e for e in MANIFEST[name]["expected"] if not found(e, result.errors)]
    assert not missing, f"key lines not found: {missing}; got {result.errors}"


def test_accuracy_and_key_line_recall_over_the_set(capsys: pytest.CaptureFixture[str]) -> None:
    accuracy, recall, _ = evaluate()

    with capsys.disabled():
        print(f"\nclassifier: {len(MANIFEST)} logs, accuracy {accuracy:.1%}, key-line recall {recall:.1%}")
    assert accuracy >= MIN_ACCURACY
    assert recall >= MIN_KEY_LINE_RECALL


def test_transient_failures_suggest_a_rerun_and_others_do_not() -> None:
    for name, label in MANIFEST.items():
        result = classify((LOGS / f"{name}.log").read_text())
        rerun = result.fix_strategy == "rerun_failed_jobs"
        transient = name.startswith(("network_", "runner_", "job_timeout", "cancelled"))
        assert rerun == transient, (name, label["category"], result.fix_strategy)


def test_set_covers_every_category_but_unknown_and_is_labelled() -> None:
    categories = {label["category"] for label in MANIFEST.values()}
    assert categories == {
        "lint", "format", "type_check", "test", "build", "dependency", "timeout", "infrastructure", "unknown"
    }  # fmt: skip
    assert {path.stem for path in LOGS.glob("*.log")} == set(MANIFEST)


def test_unrecognised_output_is_unknown_with_its_last_lines() -> None:
    result = classify("2026-01-01T00:00:00.0000000Z all good until\n2026-01-01T00:00:01.0000000Z something odd\n")

    assert result.category == "unknown" and result.confidence == 0.0
    assert [error.message for error in result.errors] == ["all good until", "something odd"]
