"""Hostile CI output for the classifier: long lines, many lines, near-matches of every pattern.

Shared by tests/github/test_classifier_adversarial.py and bench/classifier_adversarial.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]

from tasks.github.classifier.evidence import GENERIC_FILE_HEADER, GENERIC_KEYS, GENERIC_RULES, STEP_COMMANDS
from tasks.github.classifier.patterns import RULES

#: Runs of one character class, which unbounded quantifiers over that class backtrack on.
FILLERS = ("a", "1", " ", "\t", ".", "/", "=", ":1", "Test", "test", "a.py:1", "x(", "\x1b[1")


def literal_pieces(pattern: str) -> list[str]:
    """The literal text of a pattern, in order, with a sample character for each class or `.`."""
    pieces: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            pieces.append("".join(current))
            current.clear()

    def walk(items: sre_parser.SubPattern) -> None:
        for op, value in items:
            if op is sre_constants.LITERAL:
                current.append(chr(value))
                continue
            flush()
            if op is sre_constants.SUBPATTERN:
                walk(value[-1])
            elif op is sre_constants.ATOMIC_GROUP:
                walk(value)
            elif op is sre_constants.BRANCH:
                walk(value[1][0])
            elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
                walk(value[2])
            elif op is sre_constants.IN or op is sre_constants.ANY:
                pieces.append("1")

    walk(sre_parser.parse(pattern))
    flush()
    return pieces


def all_patterns() -> Iterator[str]:
    for rule in RULES + GENERIC_RULES:
        yield from (pattern for pattern, _ in rule.signals)
        yield from (key.pattern for key in rule.keys)
        if rule.file_header:
            yield rule.file_header
    yield from (key.pattern for key in GENERIC_KEYS)
    yield GENERIC_FILE_HEADER
    yield from (pattern for pattern, _ in STEP_COMMANDS)


def near_matches(pattern: str, length: int) -> Iterator[str]:
    """Lines of `length` characters that almost match `pattern`: its prefixes, repeated or then padded."""
    pieces = literal_pieces(pattern)
    for filler in FILLERS:
        yield (filler * (length // len(filler) + 1))[:length]
    for count in range(1, len(pieces) + 1):
        unit = "".join(pieces[:count])
        if not unit:
            continue
        yield (unit * (length // len(unit) + 1))[:length]
        for filler in ("a", "1", " "):
            yield unit + filler * (length - len(unit))


def hostile_lines(length: int) -> list[str]:
    """Every near-match of every pattern, once."""
    return [line for pattern in sorted(set(all_patterns())) for line in near_matches(pattern, length)]


def near_misses(length: int) -> list[str]:
    """The near-matches that no pattern matches: output no rule may take for its own."""
    patterns = compiled_patterns()
    return [line for line in hostile_lines(length) if not any(pattern.search(line) for pattern in patterns)]


def compiled_patterns() -> list[re.Pattern[str]]:
    """Each pattern as the classifier compiles it (signals search the whole text, line by line)."""
    return [re.compile(pattern, re.MULTILINE) for pattern in sorted(set(all_patterns()))]
