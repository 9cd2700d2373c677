"""Real `celery -A tasks beat` processes for the tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

SENT = re.compile(r"^(\S+ \S+) INFO .*Sending due task (\S+) ")


@dataclass
class BeatProcess:
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> BeatProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tasks", "beat", "-l", "INFO"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def leads(self) -> bool:
        return "beat: Acquired lock" in self.log()

    def sent(self, entry: str) -> list[datetime]:
        """When this beat sent `entry`, from its log."""
        times = []
        for line in self.log().splitlines():
            match = SENT.match(line)
            if match and match.group(2) == entry:
                times.append(datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f"))
        return times

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
