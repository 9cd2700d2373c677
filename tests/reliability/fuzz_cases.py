"""Generated calls of every public task, each with the outcome the contract promises for it.

A task's fields each have a strategy of values the contract accepts and one of values it
refuses. A case draws every field from one of them (or leaves it out), may add unknown
keywords or positional arguments, and knows which fields a validation error must name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.reliability.fuzz_values import any_text, extra_keys, small_json

#: Marks a field left out of the call.
OMIT = object()

#: Groups of names a validation error may mention; it must mention at least one.
Names = tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Field:
    valid: st.SearchStrategy[Any]
    invalid: st.SearchStrategy[Any]
    required: bool = False


@dataclass(frozen=True)
class TaskSpec:
    name: str
    fields: Mapping[str, Field] = field(default_factory=dict)
    #: Rules across fields, checked once every field is valid: names the rule's error must mention.
    cross: Callable[[dict[str, Any]], frozenset[str]] = lambda kwargs: frozenset()
    #: Calls sent on every run besides the drawn ones: (kwargs, the one field they break, or None
    #: for a valid call the draw may seldom reach).
    examples: tuple[tuple[dict[str, Any], str | None], ...] = ()

    def example_cases(self) -> list[Case]:
        return [
            Case(self.name, kwargs, (), (frozenset({name}),) if name is not None else ())
            for kwargs, name in self.examples
        ]


@dataclass(frozen=True)
class Case:
    task: str
    kwargs: dict[str, Any]
    args: tuple[Any, ...] = ()
    #: Empty: the arguments are valid, the task succeeds or fails permanently (non_retryable).
    must_name: Names = ()

    @property
    def valid(self) -> bool:
        return not self.must_name

    def describe(self, limit: int = 600) -> str:
        text = f"{self.task}(args={self.args!r}, kwargs={self.kwargs!r})"
        return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


#: How a case is built; valid calls are weighted up so the tasks' real work is exercised too.
MODES = ("valid", "valid", "valid", "fields", "fields", "fields", "extra", "missing", "positional")


def _is_unicode(value: Any) -> bool:
    """Whether every string in `value` (keys too) encodes as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _rarely(draw: st.DrawFn) -> bool:
    """True about one time in eight (hypothesis draws small integers towards their bounds, booleans evenly)."""
    return all(draw(st.booleans()) for _ in range(3))


@st.composite
def case_of(draw: st.DrawFn, spec: TaskSpec) -> Case:
    mode = draw(st.sampled_from(MODES))
    required = [name for name, f in spec.fields.items() if f.required]
    if mode == "missing" and not required:
        mode = "extra"
    kwargs: dict[str, Any] = {}
    broken: list[str] = []
    # One field broken for sure (so each refusal is seen alone), now and then others with it.
    # Required fields are targeted twice as often: they carry the most hostile input (sources, names).
    targets = sorted(spec.fields) + required
    target = draw(st.sampled_from(targets)) if mode == "fields" and spec.fields else None
    for name, f in spec.fields.items():
        bad = mode == "fields" and (name == target or _rarely(draw))
        if bad:
            kwargs[name] = draw(f.invalid)
            broken.append(name)
        elif mode == "missing" and name == required[0]:
            broken.append(name)
        elif f.required or draw(st.booleans()):
            kwargs[name] = draw(f.valid)
    if mode in ("extra", "fields") and (mode == "extra" or draw(st.booleans())):
        for key in draw(st.lists(extra_keys(frozenset(spec.fields)), min_size=1, max_size=3, unique=True)):
            kwargs[key] = draw(small_json())
            broken.append(key)
    if mode == "positional":
        args = tuple(draw(st.lists(st.one_of(small_json(), any_text()), min_size=1, max_size=3)))
        return Case(spec.name, kwargs, args, (frozenset({"positional"}),))
    # Text JSON carries but UTF-8 cannot (a lone surrogate) is refused wherever it sits.
    broken += [name for name, value in kwargs.items() if name not in broken and not _is_unicode(value)]
    names: Names = tuple(frozenset({name}) for name in broken)
    if not names:
        rule = spec.cross(kwargs)
        names = (rule,) if rule else ()
    return Case(spec.name, kwargs, (), names)


def rotation(specs: list[TaskSpec], heavier: frozenset[str] = frozenset()) -> list[TaskSpec]:
    """The order calls go round the tasks; those in `heavier` (most fields) three times a round."""
    return [spec for spec in specs for _ in range(3 if spec.name in heavier else 1)]
