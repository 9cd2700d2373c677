"""Measure the classifier on a folder of labelled job logs (a `manifest.json` beside `*.log` files)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.github.classifier import KeyLine, classify

HERE = Path(__file__).parent
#: The logs the patterns were written against.
TUNED = HERE / "logs"
#: Real runs of other tools and versions; see heldout/generate.py.
HELDOUT = HERE / "heldout"


def found(expected: dict[str, Any], errors: Iterable[KeyLine]) -> bool:
    """A key line is found when an error names its file (and line), or quotes its text."""
    for error in errors:
        if "text" in expected and expected["text"] in error.message:
            return True
        if "file" in expected and error.file is not None:
            same_file = error.file == expected["file"] or error.file.endswith("/" + expected["file"])
            if same_file and expected.get("line") in (None, error.line):
                return True
    return False


@dataclass
class Score:
    logs: int = 0
    correct: int = 0
    key_lines: int = 0
    key_lines_found: int = 0
    #: (log, expected category, category given) of every wrong category.
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    #: Logs with a key line not quoted.
    unquoted: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.logs if self.logs else 0.0

    @property
    def key_line_rate(self) -> float:
        return self.key_lines_found / self.key_lines if self.key_lines else 0.0


def manifest(folder: Path) -> dict[str, dict[str, Any]]:
    labels: dict[str, dict[str, Any]] = json.loads((folder / "manifest.json").read_text())
    return labels


def evaluate(folder: Path, split: str | None = None, batch: int | None = None) -> Score:
    """Category accuracy and key-line rate over the logs of `folder` (of one split and batch, when given)."""
    score = Score()
    for name, label in sorted(manifest(folder).items()):
        if split is not None and label.get("split") != split:
            continue
        if batch is not None and label.get("batch") != batch:
            continue
        result = classify((folder / f"{name}.log").read_text())
        score.logs += 1
        if result.category == label["category"]:
            score.correct += 1
        else:
            score.misses.append((name, label["category"], result.category))
        hits = sum(found(expected, result.errors) for expected in label["expected"])
        score.key_lines += len(label["expected"])
        score.key_lines_found += hits
        if hits < len(label["expected"]):
            score.unquoted.append(name)
    return score
