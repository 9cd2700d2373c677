"""Throughput of the platform side by side with plain Celery, Dramatiq, Huey and RQ, in one run.

    .venv/bin/python bench/peers.py [--noop 10000] [--io 5000] [--enqueue 3000] [--repetitions 3]
        [--systems platform,celery,dramatiq,huey,rq] [--quick] [--label NAME]
        [--platform-io-args "-P threads -c 32"]

Same Redis (a private redis-server), same task bodies, workloads of one kind run back to back
for every system in an order rotated per repetition. Writes bench/results/<UTC date>.{json,md}
(`-<label>` appended with --label; --quick: `-quick`) and prints the table.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform as host
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import peer_processes, peer_report, peer_run, peer_systems, peer_venv
from bench.peer_measurement import Measurement
from bench.peer_systems import REPO, System
from tests.harness import services

RESULTS = REPO / "bench" / "results"
SYSTEMS = ("platform", "celery", "dramatiq", "huey", "rq")
QUICK = {"noop": 2000, "io": 1000, "enqueue": 1000, "repetitions": 1}
#: For experiments with the platform's I/O worker layout; the shipped Procfile otherwise.
IO_ARGS_VARIABLE = "BENCH_PLATFORM_IO_ARGS"


def parse(arguments: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noop", type=int, default=10_000, help="tasks of the no-op drain (0: skip)")
    parser.add_argument("--io", type=int, default=5_000, help="tasks of the I/O drain (0: skip)")
    parser.add_argument("--enqueue", type=int, default=3_000, help="calls of the enqueue run (0: skip)")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 repetition of 2000/1000/1000")
    parser.add_argument(
        "--platform-io-args",
        default=os.environ.get(IO_ARGS_VARIABLE),
        help=f"celery worker arguments for the platform's I/O drain instead of the Procfile's (or ${IO_ARGS_VARIABLE})",
    )
    parser.add_argument("--label", help="appended to the results' file names (--quick: 'quick')")
    parser.add_argument("--stall-s", type=float, default=60.0, help="a drain without progress this long fails")
    options = parser.parse_args(arguments)
    if options.quick:
        # Only the sizes left at their defaults: `--quick --io 0` still skips the I/O drain.
        for name, value in QUICK.items():
            if getattr(options, name) == parser.get_default(name):
                setattr(options, name, value)
    if options.quick and options.label is None:
        options.label = "quick"
    options.systems = [name.strip() for name in options.systems.split(",") if name.strip()]
    return options


def workloads(options: argparse.Namespace) -> list[tuple[str, int]]:
    sizes = [("enqueue", options.enqueue), ("noop", options.noop), ("io", options.io)]
    return [(name, size) for name, size in sizes if size > 0]


def measure(systems: list[System], options: argparse.Namespace, context: peer_run.Context) -> list[Measurement]:
    """Every workload for every system, repetition by repetition, systems in a rotated order."""
    measurements = []
    for repetition in range(options.repetitions):
        order = systems[repetition % len(systems) :] + systems[: repetition % len(systems)]
        for workload, size in workloads(options):
            for system in order:
                if workload == "enqueue":
                    measurement = peer_run.enqueue(system, size, repetition, context)
                else:
                    measurement = peer_run.drain(system, workload, size, repetition, context)
                measurements.append(measurement)
                print(progress(measurement), flush=True)
    return measurements


def progress(measurement: Measurement) -> str:
    head = f"repetition {measurement.repetition + 1} {measurement.workload:7} {measurement.system:9}"
    if measurement.failure:
        return f"{head} FAILED: {measurement.failure}"
    return head + " " + ", ".join(f"{name} {value:.3f}" for name, value in measurement.figures.items())


def machine() -> dict[str, Any]:
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        host.processor(),
    )
    banner = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()
    redis_version = next((word.removeprefix("v=") for word in banner if word.startswith("v=")), "unknown")
    return {
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "kernel": host.release(),
        "redis_server": redis_version,
        "load_average_at_start": os.getloadavg(),
    }


def versions(systems: list[System], peers_python: Path | None) -> dict[str, dict[str, str]]:
    found = {}
    if any(system.name == "platform" for system in systems):
        names = ("tasks-platform", "celery", "kombu", "redis")
        found["platform"] = {name: importlib.metadata.version(name) for name in names}
    if peers_python is not None:
        peers = peer_venv.versions(peers_python)
        for system in systems:
            if system.name != "platform":
                found[system.name] = {system.name: peers[system.name], "redis": peers["redis"]}
    return found


def summary(measurements: list[Measurement], systems: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per table row and system: median, min, max, ratio to the platform, failures."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for row in peer_report.ROWS:
        for system in systems:
            entry = peer_report.cell(measurements, row, system, "platform")
            if entry.values or entry.failures:
                result.setdefault(f"{row.workload}.{row.figure}", {})[system] = {
                    "median": entry.median if entry.values else None,
                    "min": min(entry.values, default=None),
                    "max": max(entry.values, default=None),
                    "ratio_to_platform": entry.ratio,
                    "failures": entry.failures,
                }
    return result


MEASURED = (
    "Task bodies, the same everywhere: no-op = one Redis INCR of a counter; I/O = a 10 ms sleep, then the INCR. "
    "Enqueue: one client process, one call per task, no worker running. Drains: the tasks pre-queued in bulk "
    "(not timed), then the workers launched; from launch = N / (launch to the counter reaching N), steady = "
    "tasks after the first completion / time from the first completion to the last. CPU: user + system seconds "
    "of every worker process and its children from the first completion to the last, per task. Redis commands: "
    "calls in INFO commandstats during the run (the benchmark's own polling subtracted), per task."
)


def markdown(table: str, command: str, description: dict[str, Any], notes: dict[str, list[str]]) -> str:
    lines = [
        f"# Throughput against peers, {description['started_utc']}",
        "",
        f"Command: `{command}` (runtime {description['runtime_s']:.0f} s)",
        "",
        f"Machine: {description['machine']['cpu_model']}, {description['machine']['cores']} cores, "
        f"Python {description['machine']['python']}, redis-server {description['machine']['redis_server']}; "
        f"load average at start {description['machine']['load_average_at_start'][0]:.2f}",
        "",
        "Versions: "
        + "; ".join(
            f"{system}: " + ", ".join(f"{name} {version}" for name, version in found.items())
            for system, found in description["versions"].items()
        ),
        "",
        MEASURED,
        "",
        table,
        "Worker layouts:",
        "",
        *(f"- {system}: " + "; ".join(lines) for system, lines in notes.items()),
        "",
    ]
    return "\n".join(lines)


def interrupted(signum: int, _: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(arguments: list[str]) -> None:
    options = parse(arguments)
    signal.signal(signal.SIGTERM, interrupted)
    started = datetime.now(UTC)
    clock = time.monotonic()
    peers_python = peer_venv.ensure() if set(options.systems) - {"platform"} else None
    folder = Path(tempfile.mkdtemp(prefix="peers-bench-"))
    server = services.RedisServer(folder / "redis").start()
    failed = True
    try:
        env = services.platform_env(
            folder, server.url, TASKS_WORKER__EXTRA_TASK_MODULES="bench.peer_tasks.platform_tasks"
        )
        peers_bin = (peers_python or peer_venv.FOLDER / "bin" / "python").parent
        systems = peer_systems.build(options.systems, peers_bin, server.url, env, options.platform_io_args)
        for system in systems:
            print(f"{system.name}: " + "; ".join(system.notes), flush=True)
        context = peer_run.Context(server.url, folder / "logs", stall_s=options.stall_s)
        measurements = measure(systems, options, context)
        failed = any(m.failure for m in measurements)
    finally:
        peer_processes.stop_all()
        server.stop()
        if failed:
            print(f"worker logs kept in {folder / 'logs'}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    command = shlex.join([".venv/bin/python", "bench/peers.py", *arguments])
    description = {
        "command": command,
        "started_utc": started.isoformat(timespec="seconds"),
        "runtime_s": time.monotonic() - clock,
        "options": {name: getattr(options, name) for name in ("noop", "io", "enqueue", "repetitions", "quick")}
        | {"systems": options.systems, "platform_io_args": options.platform_io_args, "stall_s": options.stall_s},
        "machine": machine(),
        "versions": versions(systems, peers_python),
    }
    notes = {system.name: system.notes for system in systems}
    layouts = {system.name: system.workers for system in systems}
    table = peer_report.render_table(measurements, options.systems)
    stem = started.strftime("%Y-%m-%d") + (f"-{options.label}" if options.label else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = description | {
        "notes": notes,
        "worker_commands": layouts,
        "summary": summary(measurements, options.systems),
        "measurements": [m.as_json() for m in measurements],
    }
    (RESULTS / f"{stem}.json").write_text(json.dumps(raw, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown(table, command, description, notes))
    print(table)
    print(f"runtime {description['runtime_s']:.0f} s; written bench/results/{stem}.json and .md")


if __name__ == "__main__":
    main(sys.argv[1:])
