"""The comparison table: workloads down, systems across, medians with their range and ratio."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bench.peer_measurement import Measurement


@dataclass(frozen=True)
class Row:
    workload: str
    figure: str
    label: str
    percent: bool = False


ROWS = (
    Row("enqueue", "tasks_per_s", "enqueue, tasks/s (one client, one call per task)"),
    Row("enqueue", "redis_commands_per_task", "enqueue, Redis commands/task"),
    Row("noop", "from_launch_per_s", "no-op drain from launch, tasks/s"),
    Row("noop", "steady_per_s", "no-op drain steady, tasks/s"),
    Row("noop", "cpu_ms_per_task", "no-op drain, worker CPU ms/task (steady)"),
    Row("noop", "redis_commands_per_task", "no-op drain, Redis commands/task"),
    Row("io", "from_launch_per_s", "I/O drain from launch, tasks/s"),
    Row("io", "steady_per_s", "I/O drain steady, tasks/s"),
    Row("io", "steady_limit_fraction", "I/O drain steady, share of the 3200 tasks/s limit", percent=True),
    Row("io", "cpu_ms_per_task", "I/O drain, worker CPU ms/task (steady)"),
    Row("io", "redis_commands_per_task", "I/O drain, Redis commands/task"),
)


@dataclass(frozen=True)
class Cell:
    """One figure of one system over the repetitions; `ratio` is the median of system ÷ baseline."""

    values: tuple[float, ...]
    ratio: float | None
    failures: int

    @property
    def median(self) -> float:
        return statistics.median(self.values)


def cell(measurements: Sequence[Measurement], row: Row, system: str, baseline: str) -> Cell:
    mine = _by_repetition(measurements, row, system)
    theirs = _by_repetition(measurements, row, baseline)
    ratios = [value / theirs[rep] for rep, value in mine.items() if theirs.get(rep)]
    failures = sum(1 for m in measurements if (m.system, m.workload) == (system, row.workload) and m.failure)
    ratio = statistics.median(ratios) if ratios and system != baseline else None
    return Cell(tuple(mine[rep] for rep in sorted(mine)), ratio, failures)


def _by_repetition(measurements: Sequence[Measurement], row: Row, system: str) -> dict[int, float]:
    return {
        m.repetition: m.figures[row.figure]
        for m in measurements
        if (m.system, m.workload) == (system, row.workload) and m.failure is None and row.figure in m.figures
    }


def number(value: float, percent: bool = False) -> str:
    if percent:
        return f"{100 * value:.0f}%"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def cell_text(entry: Cell, percent: bool) -> str:
    if not entry.values:
        return "failed" if entry.failures else "-"
    text = number(entry.median, percent)
    if len(entry.values) > 1:
        text += f" ({number(min(entry.values), percent)}-{number(max(entry.values), percent)})"
    if entry.ratio is not None:
        text += f" x{entry.ratio:.2f}"
    if entry.failures:
        text += f" [{entry.failures} failed]"
    return text


def render_table(measurements: Sequence[Measurement], systems: Sequence[str], baseline: str = "platform") -> str:
    """A Markdown table of the medians (min-max over repetitions) and each system's ratio to `baseline`.

    Rows whose workload was not run are left out; failed runs are listed under the table.
    """
    workloads = {m.workload for m in measurements}
    lines = ["| workload | " + " | ".join(systems) + " |", "|---" * (len(systems) + 1) + "|"]
    for row in ROWS:
        if row.workload in workloads:
            cells = [cell_text(cell(measurements, row, system, baseline), row.percent) for system in systems]
            lines.append(f"| {row.label} | " + " | ".join(cells) + " |")
    notes = [f"- {m.system} {m.workload} repetition {m.repetition + 1}: {m.failure}" for m in measurements if m.failure]
    if baseline in systems:
        lines += ["", f"Median (min-max) over repetitions; x: median of the per-repetition ratios to {baseline}."]
    if notes:
        lines += ["", "Failed runs:", *notes]
    return "\n".join(lines) + "\n"
