"""Small inline SVG charts: the geometry here, the drawing in templates/_charts.html."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

#: Width of the bar area, SVG user units; each bar's row height.
BAR_AREA: Final = 320
ROW: Final = 18


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]

    @property
    def height(self) -> int:
        return max(ROW, ROW * len(self.bars))


def bar_chart(title: str, values: Mapping[str, float | None], unit: str = "") -> BarChart:
    """Horizontal bars scaled to the largest value; a missing value (None) is left out."""
    known = {label: value for label, value in values.items() if value is not None}
    top = max(known.values(), default=0.0) or 1.0
    bars = tuple(
        Bar(label, value, f"{value:g}{unit}", index * ROW, round(BAR_AREA * value / top, 1))
        for index, (label, value) in enumerate(known.items())
    )
    return BarChart(title, bars)


def histogram(cumulative: Mapping[str, int]) -> list[tuple[str, int]]:
    """Per-bucket counts from Prometheus-style cumulative ones (bound, count), empty buckets kept."""
    previous = 0
    counts = []
    for bound, running in cumulative.items():
        counts.append((bound, running - previous))
        previous = running
    return counts
