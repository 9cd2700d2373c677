"""Hypothesis strategies for hostile values: wrong types, huge and odd strings, path tricks."""

from __future__ import annotations

import operator
from typing import Any

from hypothesis import strategies as st

#: Repeated to build huge strings: plain, multi-byte, right-to-left override, path and format tricks,
#: and a lone surrogate (JSON carries it escaped; UTF-8 cannot encode it).
PIECES = ("A", "é", "漢", "🙂", "\u202e", "../", "\x00", "%s%n", "{0}", "a" * 30 + "!", "\ud800")

HOSTILE_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "..",
    ".",
    "../../../../etc/passwd",
    "/etc/passwd",
    "file:///etc/passwd",
    "\\\\server\\share\\file",
    "C:\\Windows\\system32\\config",
    "~root/.ssh/id_rsa",
    "${jndi:ldap://127.0.0.1:9/a}",
    "{{7*7}}",
    "'; DROP TABLE documents; --",
    "<script>alert(1)</script>",
    "http://169.254.169.254/latest/meta-data/",
    "\u202etxt.exe",
    "\ud800",
    "\udfff\ud800",
    "\ufeff",
    "Ω≈ç√∫",
    "🙂" * 10,
)


def huge_text() -> st.SearchStrategy[str]:
    return st.builds(operator.mul, st.sampled_from(PIECES), st.integers(5_000, 20_000))


def any_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Short arbitrary text (surrogates included), hostile strings, now and then a huge string."""
    short = st.text(max_size=max_size)
    return st.one_of(short, short, st.sampled_from(HOSTILE_TEXT), st.sampled_from(HOSTILE_TEXT), huge_text())


def odd_text(max_size: int = 10) -> st.SearchStrategy[str]:
    return st.one_of(st.text(max_size=max_size), st.sampled_from(HOSTILE_TEXT))


def small_json() -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), odd_text())
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
        max_leaves=6,
    )


def containers() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(small_json(), max_size=3), st.dictionaries(st.text(max_size=8), small_json(), min_size=0, max_size=3)
    )


def not_str(*, none_ok: bool = False) -> st.SearchStrategy[Any]:
    """Values a string field refuses (pydantic coerces none of them)."""
    options = [st.booleans(), st.integers(-(2**70), 2**70), st.floats(), containers()]
    return st.one_of(*options) if none_ok else st.one_of(st.none(), *options)


def not_int(*, none_ok: bool = False) -> st.SearchStrategy[Any]:
    """Values an integer field refuses: text that is no number, fractions, NaN, containers."""
    words = st.sampled_from(["x", "", "1e400", "NaN", "--1", "0x10", "1_000", "١٢", "\x00", "\ud800"])
    fractions = st.floats(allow_nan=True).filter(lambda value: not float(value).is_integer())
    options = [words, fractions, containers(), huge_text()]
    return st.one_of(*options) if none_ok else st.one_of(st.none(), *options)


def not_bool() -> st.SearchStrategy[Any]:
    """Values a boolean field refuses (pydantic takes 0/1, true/false, yes/no, on/off)."""
    words = st.sampled_from(["maybe", "", "2", "truthy", "nein", "\x00"])
    return st.one_of(st.none(), words, st.integers(2, 2**70), st.integers(-(2**70), -1), st.floats(0.1, 0.9))


def not_one_of(choices: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """Values a `Literal[choices]` field refuses."""
    near = [choice.upper() for choice in choices] + [choice + " " for choice in choices]
    return st.one_of(
        st.none(), st.sampled_from(near), any_text().filter(lambda text: text not in choices), not_str(none_ok=True)
    )


def extra_keys(fields: frozenset[str]) -> st.SearchStrategy[str]:
    """Keyword names no task takes: near misses, Python's own names, and anything at all."""
    near = ["SOURCE", "source ", "Repository", "kwargs", "args", "__class__", "self", "params", "task", "id"]
    return st.one_of(st.sampled_from(near), st.text(min_size=1, max_size=30), huge_text()).filter(
        lambda name: name not in fields
    )
