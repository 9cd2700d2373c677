"""One measurement of one system: an enqueue run or a drain of pre-queued tasks."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from bench import peer_processes
from bench.peer_measurement import Measurement
from bench.peer_systems import IO_CONCURRENCY, REPO, System
from bench.peer_tasks import COUNTER_KEY, IO_SLEEP_S

#: The most tasks/s the I/O drain allows: every slot sleeping back to back.
IO_LIMIT_PER_S = IO_CONCURRENCY / IO_SLEEP_S
POLL_S = 0.005
CLIENT_TIMEOUT_S = 600


@dataclass
class Context:
    """What every measurement shares: the benchmark's Redis and where logs go."""

    redis_url: str
    logs: Path
    stall_s: float = 60.0

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url)


def total_commands(client: redis.Redis) -> int:
    stats: dict[str, dict[str, int]] = client.info("commandstats")
    return sum(entry["calls"] for entry in stats.values())


def run_client(system: System, mode: str, kind: str, count: int) -> float:
    """Seconds the system's client took for `count` calls (`send`) or one bulk pre-queue."""
    argv = [str(system.python), "-m", "bench.peer_client", system.module, mode, kind, str(count)]
    done = subprocess.run(
        argv, env=system.env, cwd=REPO, capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{mode} client exited with {done.returncode}: {_last_line(done.stderr)}")
    elapsed: float = json.loads(done.stdout.strip().splitlines()[-1])["elapsed_s"]
    return elapsed


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else "(no output)"


def enqueue(system: System, count: int, repetition: int, context: Context) -> Measurement:
    """One client enqueuing `count` no-op tasks one call at a time, no worker running."""
    measurement = Measurement(system.name, "enqueue", repetition, count)
    client = context.client()
    client.flushall()
    try:
        before = total_commands(client)
        elapsed_s = run_client(system, "send", "noop", count)
        # Minus the INFO that read `before`.
        commands = total_commands(client) - before - 1
        measurement.figures = {"tasks_per_s": count / elapsed_s, "redis_commands_per_task": commands / count}
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        measurement.failure = str(error)
    finally:
        client.flushall()
    return measurement


def drain(system: System, kind: str, count: int, repetition: int, context: Context) -> Measurement:
    """Pre-queue `count` tasks, start the system's workers, time them until the counter reaches `count`."""
    measurement = Measurement(system.name, kind, repetition, count)
    client = context.client()
    client.flushall()
    workers: list[subprocess.Popen[bytes]] = []
    try:
        run_client(system, "prequeue", kind, count)
        before = total_commands(client)
        launched = time.monotonic()
        for index, argv in enumerate(system.workers[kind]):
            log = context.logs / f"{system.name}-{kind}-{repetition}-{index}.log"
            workers.append(peer_processes.start(argv, system.env, log, REPO))
        measurement.figures = _watch(client, workers, count, launched, before, context)
        if kind == "io" and "steady_per_s" in measurement.figures:
            measurement.figures["steady_limit_fraction"] = measurement.figures["steady_per_s"] / IO_LIMIT_PER_S
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        measurement.failure = str(error)
    finally:
        peer_processes.stop(workers)
        measurement.figures["counter_after_stop"] = float(int(client.get(COUNTER_KEY) or 0))
        client.flushall()
    return measurement


def _watch(
    client: redis.Redis,
    workers: list[subprocess.Popen[bytes]],
    count: int,
    launched: float,
    commands_before: int,
    context: Context,
) -> dict[str, float]:
    """Poll the counter until it reaches `count`; the CPU of the workers is read while they still run."""
    pids = [worker.pid for worker in workers]
    polls, done, last_done, last_change = 0, 0, 0, launched
    first: tuple[float, int, float] | None = None
    while True:
        done = int(client.get(COUNTER_KEY) or 0)
        polls += 1
        now = time.monotonic()
        if done and first is None:
            first = (now, done, peer_processes.tree_cpu_s(pids))
        if done >= count:
            break
        if done != last_done:
            last_done, last_change = done, now
        exited = [worker.returncode for worker in workers if worker.poll() is not None]
        if exited:
            raise RuntimeError(f"a worker exited with {exited[0]} at {done}/{count}")
        if now - last_change > context.stall_s:
            raise RuntimeError(f"no progress for {context.stall_s:.0f} s at {done}/{count}")
        time.sleep(POLL_S)
    cpu_end_s = peer_processes.tree_cpu_s(pids)
    commands = total_commands(client) - commands_before - polls - 1
    assert first is not None
    first_at, first_done, cpu_first_s = first
    steady_tasks = count - first_done
    figures = {
        "from_launch_per_s": count / (now - launched),
        "first_completion_s": first_at - launched,
        "cpu_ms_per_task_from_launch": 1000 * cpu_end_s / count,
        "redis_commands_per_task": commands / count,
    }
    if steady_tasks > 0 and now > first_at:
        figures["steady_per_s"] = steady_tasks / (now - first_at)
        figures["cpu_ms_per_task"] = 1000 * (cpu_end_s - cpu_first_s) / steady_tasks
    return figures
