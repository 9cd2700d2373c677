"""The systems compared: how each one's workers are started for the two drain workloads.

Every system's enqueue and bulk pre-queue run through `bench.peer_client` in its own
environment; its task module is `bench.peer_tasks.<name>_tasks`.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from bench.peer_tasks import REDIS_URL_VARIABLE

REPO = Path(__file__).resolve().parents[1]
PROJECT_BIN = REPO / ".venv" / "bin"

#: Tasks run at once in the I/O drain (per system: threads, or processes where it has no threads).
IO_CONCURRENCY = 32
#: Worker processes in the no-op drain.
NOOP_PROCESSES = 2
DEFAULT_QUEUE = "default"


@dataclass(frozen=True)
class System:
    """One system: its environment's bin folder, task module and worker command lines per workload."""

    name: str
    bin: Path
    env: dict[str, str]
    workers: dict[str, list[list[str]]]
    notes: list[str] = field(default_factory=list)

    @property
    def python(self) -> Path:
        return self.bin / "python"

    @property
    def module(self) -> str:
        return f"bench.peer_tasks.{self.name}_tasks"


def peer_env(redis_url: str) -> dict[str, str]:
    """This process's environment without the platform's settings, pointed at the benchmark's Redis."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("TASKS_", "VIRTUAL_ENV"))}
    return env | {REDIS_URL_VARIABLE: redis_url, "PYTHONPATH": str(REPO)}


def procfile_workers(procfile: Path, queue: str = DEFAULT_QUEUE) -> list[list[str]]:
    """The Procfile's `celery worker` command lines that consume `queue` (no -Q, or -Q listing it).

    `celery` becomes the project environment's, and the log level WARNING, so the logs stay
    small; pool, concurrency and prefetch stay as shipped.
    """
    commands = []
    for line in procfile.read_text().splitlines():
        _, separator, command = line.partition(":")
        argv = shlex.split(command) if separator and not line.lstrip().startswith("#") else []
        if len(argv) < 2 or Path(argv[0]).name != "celery" or "worker" not in argv:
            continue
        queues = _queues(argv)
        if queues is None or queue in queues:
            commands.append([str(PROJECT_BIN / "celery"), *_warning_level(argv[1:])])
    return commands


def _queues(argv: list[str]) -> list[str] | None:
    """The queues a worker command line names; None when it names none, so consumes them all."""
    for index, argument in enumerate(argv):
        if argument in ("-Q", "--queues") and index + 1 < len(argv):
            return argv[index + 1].split(",")
        if argument.startswith("--queues="):
            return argument.split("=", 1)[1].split(",")
        if argument.startswith("-Q") and len(argument) > 2:
            return argument[2:].split(",")
    return None


def _warning_level(argv: list[str]) -> list[str]:
    result, skip = [], False
    for index, argument in enumerate(argv):
        if skip:
            skip = False
            continue
        if argument in ("-l", "--loglevel") and index + 1 < len(argv):
            result += [argument, "WARNING"]
            skip = True
        elif argument.startswith("--loglevel="):
            result.append("--loglevel=WARNING")
        else:
            result.append(argument)
    return result


def platform(env: dict[str, str], procfile: Path, io_args: str | None = None) -> System:
    shipped = procfile_workers(procfile)
    if not shipped:
        raise ValueError(f"{procfile} has no celery worker consuming the {DEFAULT_QUEUE!r} queue")
    notes = [f"workers from {procfile.name}: " + " | ".join(shlex.join(argv) for argv in shipped)]
    io = shipped
    if io_args:
        io = [[str(PROJECT_BIN / "celery"), "-A", "tasks", "worker", "-l", "WARNING", *shlex.split(io_args)]]
        notes.append(f"I/O drain overridden: {shlex.join(io[0])}")
    return System("platform", PROJECT_BIN, env, {"noop": shipped, "io": io}, notes)


def celery(bin: Path, env: dict[str, str]) -> System:
    base = [str(bin / "celery"), "-A", "bench.peer_tasks.celery_tasks", "worker", "-l", "WARNING"]
    workers = {
        "noop": [[*base, "--concurrency", str(NOOP_PROCESSES)]],
        "io": [[*base, "-P", "threads", "--concurrency", str(IO_CONCURRENCY)]],
    }
    return System("celery", bin, env, workers, ["Celery's defaults: prefork, prefetch 4, early acks, no results"])


def dramatiq(bin: Path, env: dict[str, str]) -> System:
    base = [str(bin / "dramatiq"), "bench.peer_tasks.dramatiq_tasks", "--processes", str(NOOP_PROCESSES)]
    threads = IO_CONCURRENCY // NOOP_PROCESSES
    workers = {"noop": [[*base, "--threads", "1"]], "io": [[*base, "--threads", str(threads)]]}
    return System("dramatiq", bin, env, workers, ["RedisBroker, default middleware"])


def huey(bin: Path, env: dict[str, str]) -> System:
    base = [str(bin / "huey_consumer"), "bench.peer_tasks.huey_tasks.huey", "--quiet"]
    workers = {
        "noop": [[*base, "-w", str(NOOP_PROCESSES), "-k", "process"]],
        "io": [[*base, "-w", str(IO_CONCURRENCY), "-k", "thread"]],
    }
    return System("huey", bin, env, workers, ["RedisHuey, blocking pops, results stored"])


def rq(bin: Path, env: dict[str, str], redis_url: str) -> System:
    one = [
        str(bin / "rq"),
        "worker",
        "--url",
        redis_url,
        "--worker-class",
        "rq.worker.SimpleWorker",
        "--logging_level",
        "WARNING",
        DEFAULT_QUEUE,
    ]
    workers = {"noop": [one] * NOOP_PROCESSES, "io": [one] * IO_CONCURRENCY}
    notes = [
        "rq.worker.SimpleWorker (runs jobs in the worker process; RQ's default Worker forks per job)",
        f"{NOOP_PROCESSES} worker processes for no-op, {IO_CONCURRENCY} for I/O (RQ runs one job per process)",
    ]
    return System("rq", bin, env, workers, notes)


def build(
    names: list[str], peers_bin: Path, redis_url: str, platform_env: dict[str, str], io_args: str | None
) -> list[System]:
    env = peer_env(redis_url)
    makers = {
        "platform": lambda: platform(platform_env | {"PYTHONPATH": str(REPO)}, REPO / "Procfile", io_args),
        "celery": lambda: celery(peers_bin, env),
        "dramatiq": lambda: dramatiq(peers_bin, env),
        "huey": lambda: huey(peers_bin, env),
        "rq": lambda: rq(peers_bin, env, redis_url),
    }
    unknown = [name for name in names if name not in makers]
    if unknown:
        raise ValueError(f"unknown systems: {', '.join(unknown)} (known: {', '.join(makers)})")
    return [makers[name]() for name in names]
