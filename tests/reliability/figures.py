"""One row of a scenario's figures, and the table printed at the end of the run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figures:
    """What one scenario did and what survived it."""

    scenario: str
    load: str = ""
    faults: str = ""
    sent: int = 0
    completed: int = 0
    lost: int = 0
    duplicated: int = 0
    recovery_s: float | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        recovery = "-" if self.recovery_s is None else f"{self.recovery_s:.1f} s"
        extra = "".join(f" {key}={value}" for key, value in self.notes.items())
        return (
            f"{self.scenario}: load {self.load or '-'}; faults {self.faults or '-'}; sent {self.sent}, "
            f"completed {self.completed}, lost {self.lost}, duplicated {self.duplicated}, recovery {recovery}{extra}"
        )


#: Every row of this run, in the order the scenarios ran.
ROWS: list[Figures] = []
