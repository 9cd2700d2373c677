"""The files (and formatter) a `format` or `lint_fix` fix takes when the caller names none: the head's analyses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The classifier's tools whose failures `format` fixes, and the formatter each is.
FORMATTERS_BY_TOOL = {"ruff format": "ruff", "black": "black"}
#: The classifier's tools whose failures `lint_fix` fixes.
LINTERS = frozenset({"ruff"})


@dataclass(frozen=True)
class Targets:
    files: list[str]
    formatter: str | None


def from_analyses(analyses: list[dict[str, Any]], head_sha: str, strategy: str) -> Targets:
    """The files the head's failed checks of the strategy's tools reported, and the formatter that reported them."""
    tools = FORMATTERS_BY_TOOL.keys() if strategy == "format" else LINTERS
    matching = [a for a in analyses if a.get("head_sha") == head_sha and a.get("tool") in tools]
    files = [str(error["file"]) for analysis in matching for error in analysis.get("errors", []) if error.get("file")]
    formatter = FORMATTERS_BY_TOOL.get(str(matching[0]["tool"])) if matching and strategy == "format" else None
    return Targets(list(dict.fromkeys(files)), formatter)
