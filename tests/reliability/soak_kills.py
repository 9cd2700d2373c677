"""The SIGKILL soak's faults: a whole worker (its process group, as a crashed host) or one pool process.

Each kill notes the wall-clock moment and the worker's log, so the tasks in flight at
that kill (the only ones allowed to run twice) can be read from the log afterwards.
"""

from __future__ import annotations

import os
import random
import re
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tests.harness.workers import WorkerProcess

#: A task that finished this long before a kill was acknowledged by then.
ACK_GRACE = timedelta(seconds=1)

_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*?Task [\w.]+\[([0-9a-f-]{36})\] (received|succeeded|raised)"
)


@dataclass(frozen=True)
class Kill:
    kind: str
    at: datetime
    log_path: Path


def pool_children(worker: WorkerProcess) -> list[int]:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def kinds(kills: int, rng: random.Random) -> list[str]:
    """`kills` kinds, each kind at least once when there are two kills or more."""
    chosen = ["worker", "pool"][:kills] + [rng.choice(["worker", "pool"]) for _ in range(kills - 2)]
    rng.shuffle(chosen)
    return chosen


def kill(worker: WorkerProcess, kind: str, rng: random.Random) -> Kill:
    """SIGKILL the whole worker, or one of its pool processes (the worker when it has none)."""
    children = pool_children(worker)
    if kind == "pool" and children:
        at = datetime.now()
        os.kill(rng.choice(children), signal.SIGKILL)
        return Kill("pool", at, worker.log_path)
    at = datetime.now()
    worker.kill()
    return Kill("worker", at, worker.log_path)


def in_flight(kill: Kill) -> set[str]:
    """Task ids the victim had received by the kill and not finished well before it."""
    received: set[str] = set()
    finished: set[str] = set()
    for line in kill.log_path.read_text(errors="replace").splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        when = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f")
        if when > kill.at:
            continue
        if match[3] == "received":
            received.add(match[2])
        elif when < kill.at - ACK_GRACE:
            finished.add(match[2])
    return received - finished
