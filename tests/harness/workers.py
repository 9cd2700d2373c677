"""Real `celery -A tasks worker` processes for the tests, with their logs kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from celery import Celery

#: Workers started by the running test, so a failing test can show their logs.
RUNNING: list[WorkerProcess] = []


@dataclass
class WorkerProcess:
    """One worker's main process (and its pool children)."""

    env: dict[str, str]
    log_path: Path
    queues: Sequence[str] = ()
    concurrency: int = 2
    pool: str = "prefork"
    extra_args: Sequence[str] = ()
    name: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:8]}@localhost")
    process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tasks",
            "worker",
            "-l",
            "INFO",
            "-n",
            self.name,
            "-P",
            self.pool,
            "-c",
            str(self.concurrency),
            "--without-mingle",
            "--without-gossip",
        ]
        if self.queues:
            command += ["-Q", ",".join(self.queues)]
        return command + list(self.extra_args)

    def start(self, app: Celery, timeout_s: float = 60) -> WorkerProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        RUNNING.append(self)
        self.wait_ready(app, timeout_s)
        return self

    def wait_ready(self, app: Celery, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited with {self.process.returncode}:\n{self.log()}")
            if app.control.ping(destination=[self.name], timeout=0.5):
                return
        raise TimeoutError(f"worker {self.name} not ready after {timeout_s} s:\n{self.log()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the main process and its pool children, as a crashed host would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout_s: float = 20) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()


def wait_for(predicate: object, timeout_s: float = 30, interval_s: float = 0.1, what: str = "condition") -> None:
    """Poll `predicate()` until it is truthy; fail with `what` after `timeout_s`."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval_s)
    raise TimeoutError(f"{what} not reached after {timeout_s} s")
