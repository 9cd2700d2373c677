"""Score every rule against a failure's text; the best one names the category and the key lines."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, Literal

from tasks.github.classifier.evidence import (
    EXIT_CODES,
    GENERIC_FILE_HEADER,
    GENERIC_KEYS,
    GENERIC_RULES,
    INSTALL_COMMAND,
    STEP_COMMANDS,
)
from tasks.github.classifier.patterns import RULES, Category, Rule
from tasks.github.classifier.steps import Step, failing_step_command
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
#: A time limit or infrastructure rule this sure wins over any tool's: a test that hit its time limit timed out.
ENVIRONMENT_SCORE = 6.0
ENVIRONMENT: tuple[Category, ...] = ("timeout", "infrastructure")
#: Confidence of a dependency failure named by its install step alone (no dependency rule matched).
INSTALL_CONFIDENCE = 0.5
#: Confidence of a category taken from the step's command or exit code alone.
FALLBACK_CONFIDENCE = 0.3

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


@cache
def _compile(rule: Rule) -> _Compiled:
    return _Compiled(
        rule,
        tuple((re.compile(pattern, re.MULTILINE), weight) for pattern, weight in rule.signals),
        tuple((re.compile(key.pattern), key.message_from_previous) for key in rule.keys),
        re.compile(rule.file_header) if rule.file_header else None,
    )


#: Quotes error lines of a category chosen without a rule (from the step's command).
_GENERIC = Rule("generic", "unknown", (), GENERIC_KEYS, file_header=GENERIC_FILE_HEADER)
_INSTALL = re.compile(INSTALL_COMMAND)
_STEP_COMMANDS = tuple((re.compile(pattern), category) for pattern, category in STEP_COMMANDS)


@dataclass(frozen=True)
class _Scored:
    score: float
    compiled: _Compiled
    keys: list[KeyLine]

    @property
    def category(self) -> Category:
        return self.compiled.rule.category


def classify(log_text: str) -> Classification:
    """Classify a job log (or a check run's output text).

    In order: sure evidence of a time limit or of the runner, machine or network; an install
    step (a dependency failure); the best tool or generic rule; the step's command and exit code.
    """
    all_lines = normalise(log_text)
    lines = failing_step(all_lines)
    step = failing_step_command(all_lines)
    scored = _scores(lines)
    environment = next((s for s in scored if s.category in ENVIRONMENT and s.score >= ENVIRONMENT_SCORE), None)
    if environment is not None:
        return _from_rule(environment, scored, lines)
    if step.command is not None and _INSTALL.search(step.command):
        dependency = next((s for s in scored if s.category == "dependency" and s.score >= MIN_SCORE), None)
        if dependency is not None:
            return _from_rule(dependency, scored, lines)
        return _from_step("dependency", step, lines, INSTALL_CONFIDENCE)
    if scored and scored[0].score >= MIN_SCORE:
        return _from_rule(scored[0], scored, lines)
    category = _step_category(step)
    if category is not None:
        return _from_step(category, step, lines, FALLBACK_CONFIDENCE)
    return _unknown(lines)


def _scores(lines: list[str]) -> list[_Scored]:
    text = "\n".join(lines)
    scored: list[_Scored] = []
    for compiled in map(_compile, RULES + GENERIC_RULES):
        score = sum(weight for pattern, weight in compiled.signals if pattern.search(text))
        if score <= 0:
            continue
        keys = _key_lines(compiled, lines)
        scored.append(_Scored(score + min(KEY_BONUS * len(keys), KEY_BONUS_MAX), compiled, keys))
    scored.sort(key=lambda item: item.score, reverse=True)
    return scored


def _from_rule(best: _Scored, scored: list[_Scored], lines: list[str]) -> Classification:
    rival = next((s.score for s in scored if s.category != best.category and s is not best), 0.0)
    confidence = round(best.score / (best.score + rival) * min(1.0, best.score / CONFIDENT_SCORE), 2)
    rule = best.compiled.rule
    return Classification(
        category=rule.category,
        tool=rule.tool,
        confidence=confidence,
        summary=_summary(rule, best.keys),
        errors=best.keys or _key_lines(_compile(_GENERIC), lines) or _error_marks(lines),
        fix_strategy="rerun_failed_jobs" if rule.transient else "none",
    )


def _step_category(step: Step) -> Category | None:
    if step.command is not None:
        for pattern, category in _STEP_COMMANDS:
            if pattern.search(step.command):
                return category
    return EXIT_CODES.get(step.exit_code) if step.exit_code is not None else None


def _from_step(category: Category, step: Step, lines: list[str], confidence: float) -> Classification:
    keys = _key_lines(_compile(_GENERIC), lines)
    code = f" with exit code {step.exit_code}" if step.exit_code is not None else ""
    command = f"`{step.command[:100]}`" if step.command else "the step"
    return Classification(
        category=category,
        tool="step command",
        confidence=confidence,
        summary=f"{category.replace('_', ' ')} failure: {command} failed{code}; no known tool's output matched.",
        errors=keys or _error_marks(lines),
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
