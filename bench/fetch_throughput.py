"""Throughput of no-op tasks with the atomic-fetch transport versus kombu's stock Redis transport.

    .venv/bin/python bench/fetch_throughput.py [--tasks 1000] [--repetitions 6]

Same broker, same worker shape (2 prefork processes), runs alternated; prints
tasks/s for each run, the medians and their ratio (target: atomic >= 0.95 x stock).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.hooks_overhead import run_once
from tests.harness import services

STOCK = {"TASKS_WORKER__ATOMIC_FETCH": "false"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repetitions", type=int, default=6)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fetch-bench-"))
    url, release = services.redis_for_run(folder)
    env = services.platform_env(folder, url, TASKS_WORKER__EXTRA_TASK_MODULES="tests.hooks.sample_tasks")
    os.environ.clear()
    os.environ.update(env)
    from tasks import app

    rates: dict[str, list[float]] = {"atomic": [], "stock": []}
    try:
        for repetition in range(options.repetitions):
            for label in ("atomic", "stock") if repetition % 2 == 0 else ("stock", "atomic"):
                env = dict(os.environ) | (STOCK if label == "stock" else {})
                rate, cpu = run_once(app, env, options.tasks, folder, f"{label}-{repetition}")
                rates[label].append(rate)
                print(f"run {repetition + 1} {label:6}: {rate:8.1f} tasks/s {cpu:6.2f} CPU ms/task", flush=True)
    finally:
        release()
    atomic, stock = statistics.median(rates["atomic"]), statistics.median(rates["stock"])
    paired = statistics.median(a / b for a, b in zip(rates["atomic"], rates["stock"], strict=True))
    print(f"median atomic: {atomic:.1f} tasks/s, stock: {stock:.1f} tasks/s, ratio: {atomic / stock:.3f}")
    print(f"median of the per-repetition ratios atomic/stock: {paired:.3f} (target >= 0.95)")


if __name__ == "__main__":
    main()
