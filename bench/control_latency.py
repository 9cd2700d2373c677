"""Idle latencies with the atomic-fetch transport versus kombu's stock Redis transport.

    .venv/bin/python bench/control_latency.py [--rounds 10] [--repetitions 3]

For each pairing of worker transport and caller transport (same broker, one worker
consuming `default`, the order reversed every other repetition), the median over all
rounds of: `control.ping` to that worker, one
`cancel_consumer` + `add_consumer` pair with replies (what the test harness issues to
pause a worker), and `.delay()` to result of a no-op task sent after the worker has idled.
Prints each median and its ratio to the all-stock pairing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.harness import services
from tests.harness.workers import WorkerProcess

MODES = {"atomic": "true", "stock": "false"}
#: Long enough for the worker to be blocked in its idle fetch when the next request comes.
IDLE_S = 0.6


def probe(worker: str, rounds: int) -> dict[str, list[float]]:
    """Run in a caller process of its own: the milliseconds of each round trip."""
    from tasks import app

    samples: dict[str, list[float]] = {"ping": [], "cancel+add": [], "delay->result": []}
    for _ in range(rounds):
        time.sleep(IDLE_S)
        start = time.perf_counter()
        if not app.control.ping(destination=[worker], timeout=5):
            raise RuntimeError(f"{worker} did not answer a ping")
        samples["ping"].append(time.perf_counter() - start)
        time.sleep(IDLE_S)
        start = time.perf_counter()
        app.control.cancel_consumer("default", destination=[worker], reply=True, timeout=5)
        app.control.add_consumer("default", destination=[worker], reply=True, timeout=5)
        samples["cancel+add"].append(time.perf_counter() - start)
        time.sleep(IDLE_S)
        start = time.perf_counter()
        app.send_task("testing.noop").get(timeout=10)
        samples["delay->result"].append(time.perf_counter() - start)
    return {name: [1000 * value for value in values] for name, values in samples.items()}


def measure(
    base: dict[str, str], folder: Path, worker_mode: str, worker_flag: str, rounds: int
) -> dict[str, dict[str, list[float]]]:
    """One worker with the given transport; each caller transport's samples, milliseconds."""
    worker_env = base | {"TASKS_WORKER__ATOMIC_FETCH": worker_flag}
    os.environ.clear()
    os.environ.update(worker_env)
    from tasks import app

    worker = WorkerProcess(env=worker_env, log_path=folder / f"{worker_mode}.log", queues=["default"], concurrency=1)
    worker.start(app)
    rows: dict[str, dict[str, list[float]]] = {}
    try:
        for caller_mode, caller_flag in MODES.items():
            caller_env = base | {"TASKS_WORKER__ATOMIC_FETCH": caller_flag}
            command = [sys.executable, __file__, "--probe", worker.name, "--rounds", str(rounds)]
            output = subprocess.run(command, env=caller_env, capture_output=True, text=True)
            if output.returncode:
                raise RuntimeError(f"probe failed: {output.stderr[-2000:]}")
            rows[caller_mode] = json.loads(output.stdout.splitlines()[-1])
    finally:
        worker.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.probe:
        print(json.dumps(probe(options.probe, options.rounds)))
        return
    folder = Path(tempfile.mkdtemp(prefix="control-bench-"))
    url, release = services.redis_for_run(folder)
    base = services.platform_env(folder, url, TASKS_WORKER__EXTRA_TASK_MODULES="tests.hooks.sample_tasks")
    samples: dict[tuple[str, str], dict[str, list[float]]] = {}
    try:
        for repetition in range(options.repetitions):
            modes = list(MODES.items())
            for worker_mode, worker_flag in modes if repetition % 2 == 0 else modes[::-1]:
                for caller_mode, row in measure(base, folder, worker_mode, worker_flag, options.rounds).items():
                    cells = samples.setdefault((worker_mode, caller_mode), {})
                    for name, values in row.items():
                        cells.setdefault(name, []).extend(values)
    finally:
        release()
    results = {
        pairing: {name: statistics.median(values) for name, values in cells.items()}
        for pairing, cells in sorted(samples.items())
    }
    stock = results[("stock", "stock")]
    for (worker_mode, caller_mode), medians in results.items():
        line = ", ".join(f"{name} {value:7.1f} ms (x{value / stock[name]:.2f})" for name, value in medians.items())
        print(f"worker {worker_mode:6} caller {caller_mode:6}: {line}")


if __name__ == "__main__":
    main()
