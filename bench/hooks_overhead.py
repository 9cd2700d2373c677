"""Throughput of no-op tasks with the metrics and dead-letter hooks on versus off.

    .venv/bin/python bench/hooks_overhead.py [--tasks 1000] [--repetitions 6]

Same broker, same worker shape (2 prefork processes), runs alternated; prints
tasks/s for each run, the medians and their ratio (target: on >= 0.95 x off).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from celery import Celery

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.harness import services
from tests.harness.workers import WorkerProcess

HOOKS_OFF = {"TASKS_METRICS__ENABLED": "false", "TASKS_DLQ__ENABLED": "false"}
WARM_UP = 50


def run_once(app: Celery, env: dict[str, str], tasks: int, folder: Path, label: str) -> tuple[float, float]:
    """Tasks per second, and the worker's CPU milliseconds per task (main and pool processes)."""
    worker = WorkerProcess(env=env, log_path=folder / f"{label}.log", queues=["default"], concurrency=2)
    worker.start(app)
    try:
        _drain(app, WARM_UP)
        cpu_before, start = cpu_s(worker.pid), time.perf_counter()
        _drain(app, tasks)
        elapsed_s, cpu_used_s = time.perf_counter() - start, cpu_s(worker.pid) - cpu_before
        return tasks / elapsed_s, 1000 * cpu_used_s / tasks
    finally:
        worker.stop()


def cpu_s(pid: int) -> float:
    """User and system CPU seconds of a process and its children (Linux /proc).

    CPU per task moves far less than tasks/s when other work shares the machine.
    """
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0.0
    for one in [str(pid), *children]:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _drain(app: Celery, count: int) -> None:
    results = [app.send_task("testing.noop") for _ in range(count)]
    for result in results:
        result.get(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repetitions", type=int, default=6)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hooks-bench-"))
    url, release = services.redis_for_run(folder)
    env = services.platform_env(folder, url, TASKS_WORKER__EXTRA_TASK_MODULES="tests.hooks.sample_tasks")
    os.environ.clear()
    os.environ.update(env)
    from tasks import app

    rates: dict[str, list[float]] = {"on": [], "off": []}
    cpu_ms: dict[str, list[float]] = {"on": [], "off": []}
    try:
        for repetition in range(options.repetitions):
            for label in ("on", "off") if repetition % 2 == 0 else ("off", "on"):
                env = dict(os.environ) | (HOOKS_OFF if label == "off" else {})
                rate, cpu = run_once(app, env, options.tasks, folder, f"{label}-{repetition}")
                rates[label].append(rate)
                cpu_ms[label].append(cpu)
                print(f"run {repetition + 1} hooks {label:3}: {rate:8.1f} tasks/s {cpu:6.2f} CPU ms/task", flush=True)
    finally:
        release()
    on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
    # Runs of one repetition are adjacent, so their ratio suffers least from the machine's load drifting.
    paired = statistics.median(a / b for a, b in zip(rates["on"], rates["off"], strict=True))
    cpu_on, cpu_off = statistics.median(cpu_ms["on"]), statistics.median(cpu_ms["off"])
    print(f"median hooks on: {on:.1f} tasks/s, hooks off: {off:.1f} tasks/s, ratio on/off: {on / off:.3f}")
    print(f"median of the per-repetition ratios on/off: {paired:.3f} (target >= 0.95)")
    print(
        f"worker CPU per task: hooks on {cpu_on:.2f} ms, off {cpu_off:.2f} ms; "
        f"throughput bound by CPU on/off: {cpu_off / cpu_on:.3f}"
    )


if __name__ == "__main__":
    main()
