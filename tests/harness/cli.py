"""Run `celery -A tasks <command>` as a user would, in a subprocess with this session's settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def celery(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout_s: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "celery", "-A", "tasks", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=timeout_s,
        check=False,
    )
