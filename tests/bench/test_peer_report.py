"""The comparison table of bench/peers.py, rendered from given measurements."""

from __future__ import annotations

from bench.peer_measurement import Measurement
from bench.peer_report import render_table


def enqueue(system: str, repetition: int, rate: float) -> Measurement:
    return Measurement(system, "enqueue", repetition, 100, {"tasks_per_s": rate, "redis_commands_per_task": 4.0})


def rows(table: str) -> dict[str, list[str]]:
    """Table rows by their first cell, the other cells stripped."""
    found = {}
    for line in table.splitlines():
        if line.startswith("| ") and not line.startswith("| workload"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            found[cells[0]] = cells[1:]
    return found


def test_medians_ranges_and_the_median_of_per_repetition_ratios() -> None:
    measurements = [
        enqueue("platform", 0, 100.0),
        enqueue("platform", 1, 200.0),
        enqueue("platform", 2, 400.0),
        # Ratios per repetition 3.0, 1.0, 0.5: their median is 1.0, not 250 / 200.
        enqueue("celery", 0, 300.0),
        enqueue("celery", 1, 200.0),
        enqueue("celery", 2, 200.0),
    ]

    table = render_table(measurements, ["platform", "celery"])

    assert table.splitlines()[0] == "| workload | platform | celery |"
    enqueue_row = rows(table)["enqueue, tasks/s (one client, one call per task)"]
    assert enqueue_row == ["200 (100-400)", "200 (200-300) x1.00"]
    assert rows(table)["enqueue, Redis commands/task"] == ["4.00 (4.00-4.00)", "4.00 (4.00-4.00) x1.00"]


def test_workloads_not_run_have_no_rows_and_a_single_run_has_no_range() -> None:
    noop = Measurement("platform", "noop", 0, 10, {"steady_per_s": 465.4, "cpu_ms_per_task": 2.514})
    peer = Measurement("huey", "noop", 0, 10, {"steady_per_s": 4189.0, "cpu_ms_per_task": 0.27})

    table = render_table([noop, peer], ["platform", "huey"])

    assert rows(table)["no-op drain steady, tasks/s"] == ["465", "4189 x9.00"]
    assert rows(table)["no-op drain, worker CPU ms/task (steady)"] == ["2.51", "0.27 x0.11"]
    assert not any(label.startswith(("enqueue", "I/O")) for label in rows(table))


def test_a_failed_run_is_marked_and_its_reason_listed() -> None:
    io_ok = Measurement("platform", "io", 0, 10, {"steady_per_s": 1600.0, "steady_limit_fraction": 0.5})
    io_failed = Measurement("rq", "io", 0, 10, failure="no progress for 60 s at 3/10")

    table = render_table([io_ok, io_failed], ["platform", "rq"])

    assert rows(table)["I/O drain steady, share of the 3200 tasks/s limit"] == ["50%", "failed"]
    assert "- rq io repetition 1: no progress for 60 s at 3/10" in table.splitlines()
