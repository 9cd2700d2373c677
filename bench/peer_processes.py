"""Processes the benchmark starts, each in a session of its own, all ended on the way out."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

#: Every process started and not yet stopped, so an interrupted run can end them all.
STARTED: list[subprocess.Popen[bytes]] = []


def start(argv: Sequence[str], env: dict[str, str], log_path: Path, cwd: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            list(argv), env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    STARTED.append(process)
    return process


def stop(processes: Sequence[subprocess.Popen[bytes]], grace_s: float = 15.0) -> None:
    """SIGTERM every process's group, SIGKILL the groups still there after `grace_s`."""
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(0.0, deadline - time.monotonic()))
        # Pool children may outlive a main process that exited: the whole group goes.
        _signal_group(process, signal.SIGKILL)
        process.wait()
        if process in STARTED:
            STARTED.remove(process)


def stop_all() -> None:
    stop(list(STARTED), grace_s=5.0)


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def tree_cpu_s(pids: Sequence[int]) -> float:
    """User and system CPU seconds of the processes and all their live descendants (Linux /proc).

    Reaped children count through their parent's cutime/cstime; live ones are read
    directly, so sampling before the workers exit misses nothing.
    """
    total, seen, pending = 0.0, set[int](), list(pids)
    ticks = os.sysconf("SC_CLK_TCK")
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            threads = os.listdir(f"/proc/{pid}/task")
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(value) for value in fields[11:15]) / ticks
        for thread in threads:
            try:
                pending += [int(child) for child in Path(f"/proc/{pid}/task/{thread}/children").read_text().split()]
            except FileNotFoundError:
                continue
    return total
