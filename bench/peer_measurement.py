"""One system's figures for one workload in one repetition."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Measurement:
    """`figures` by name (tasks_per_s, steady_per_s, ...); `failure` says why a run has none."""

    system: str
    workload: str
    repetition: int
    tasks: int
    figures: dict[str, float] = field(default_factory=dict)
    failure: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)
