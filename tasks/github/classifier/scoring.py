"""Score every rule against a failure's text; the best one names the category and the key lines."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Literal

from tasks.github.classifier.patterns import RULES, Category, Rule
from tasks.github.job_logs import ERROR_MARK, failing_step, normalise

#: Below this score no rule is trusted: the failure is `unknown`.
MIN_SCORE = 3.0
#: A score this high (or more) with no rival of another category is full confidence.
CONFIDENT_SCORE = 8.0
#: Each key line found adds this much to its rule's score, up to KEY_BONUS_MAX.
KEY_BONUS = 0.5
KEY_BONUS_MAX = 2.0
#: At most this many key lines are reported.
MAX_KEY_LINES = 20
MAX_MESSAGE_CHARS = 300

FixStrategy = Literal["rerun_failed_jobs", "none"]


@dataclass(frozen=True)
class KeyLine:
    message: str
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Classification:
    category: Category
    tool: str | None
    confidence: float
    summary: str
    errors: list[KeyLine] = field(default_factory=list)
    fix_strategy: FixStrategy = "none"

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "summary": self.summary,
            "confidence": self.confidence,
            "errors": [asdict(error) for error in self.errors],
            "fix_strategy": self.fix_strategy,
            "tool": self.tool,
        }


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    signals: tuple[tuple[re.Pattern[str], float], ...]
    keys: tuple[tuple[re.Pattern[str], bool], ...]
    header: re.Pattern[str] | None


@lru_cache(maxsize=1)
def _compiled() -> tuple[_Compiled, ...]:
    return tuple(
        _Compiled(
            rule,
            tuple((re.compile(pattern, re.MULTILINE), weight) for pattern, weight in rule.signals),
            tuple((re.compile(key.pattern), key.message_from_previous) for key in rule.keys),
            re.compile(rule.file_header) if rule.file_header else None,
        )
        for rule in RULES
    )


def classify(log_text: str) -> Classification:
    """Classify a job log (or a check run's output text)."""
    lines = failing_step(normalise(log_text))
    text = "\n".join(lines)
    scored: list[tuple[float, _Compiled, list[KeyLine]]] = []
    for compiled in _compiled():
        score = sum(weight for pattern, weight in compiled.signals if pattern.search(text))
        if score <= 0:
            continue
        keys = _key_lines(compiled, lines)
        scored.append((score + min(KEY_BONUS * len(keys), KEY_BONUS_MAX), compiled, keys))
    scored.sort(key=lambda item: item[0], reverse=True)
    if not scored or scored[0][0] < MIN_SCORE:
        return _unknown(lines)
    score, best, keys = scored[0]
    rival = next((s for s, other, _ in scored[1:] if other.rule.category != best.rule.category), 0.0)
    confidence = round(score / (score + rival) * min(1.0, score / CONFIDENT_SCORE), 2)
    rule = best.rule
    return Classification(
        category=rule.category,
        tool=rule.tool,
        confidence=confidence,
        summary=_summary(rule, keys),
        errors=keys or _error_marks(lines),
        fix_strategy="rerun_failed_jobs" if rule.transient else "none",
    )


def _key_lines(compiled: _Compiled, lines: list[str]) -> list[KeyLine]:
    found: list[KeyLine] = []
    seen: set[tuple[str | None, int | None, str]] = set()
    header_file: str | None = None
    previous = ""
    for line in lines:
        if compiled.header is not None and (header := compiled.header.match(line)):
            header_file = header.group("file")
        for pattern, from_previous in compiled.keys:
            match = pattern.search(line)
            if match is None:
                continue
            groups = match.groupdict()
            message = groups.get("message") or (previous if from_previous else line)
            number = groups.get("line")
            key = KeyLine(
                message=message.removeprefix(ERROR_MARK).strip()[:MAX_MESSAGE_CHARS],
                file=groups.get("file") or header_file,
                line=int(number) if number else None,
            )
            identity = (key.file, key.line, key.message)
            if identity not in seen:
                seen.add(identity)
                found.append(key)
            break
        if line.strip():
            previous = line
        if len(found) >= MAX_KEY_LINES:
            break
    return found


def _error_marks(lines: list[str]) -> list[KeyLine]:
    return [
        KeyLine(message=line[len(ERROR_MARK) :].strip()[:MAX_MESSAGE_CHARS])
        for line in lines
        if line.startswith(ERROR_MARK)
    ][:MAX_KEY_LINES]


def _unknown(lines: list[str]) -> Classification:
    output = [line for line in lines if line.strip() and not line.startswith(("##[", "Post job"))]
    errors = [KeyLine(message=line.strip()[:MAX_MESSAGE_CHARS]) for line in output[-5:]] or _error_marks(lines)
    return Classification(
        category="unknown",
        tool=None,
        confidence=0.0,
        summary="The failure matches no known tool; its last output lines are quoted.",
        errors=errors,
    )


def _summary(rule: Rule, keys: list[KeyLine]) -> str:
    label = rule.category.replace("_", " ")
    if not keys:
        return f"{rule.tool}: {label} failure."
    first = keys[0]
    where = f"{first.file}:{first.line}: " if first.file and first.line else (f"{first.file}: " if first.file else "")
    more = f" (and {len(keys) - 1} more)" if len(keys) > 1 else ""
    return f"{rule.tool}: {label} failure: {where}{first.message}{more}"
