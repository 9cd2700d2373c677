"""The peers' own virtual environment, `bench/.peers-venv`, with pinned releases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / ".peers-venv"

#: One pin per peer; no hiredis for anyone, so every system parses replies in pure Python.
REQUIREMENTS = (
    "celery[redis]==5.7.0",
    "dramatiq[redis]==2.2.1",
    "huey==3.5.4",
    "rq==3.0.0",
    "redis==8.1.0",
)

#: What the folder was built from; a different list rebuilds it.
MARKER = FOLDER / "requirements.txt"


def ensure(folder: Path = FOLDER) -> Path:
    """The environment's Python, after building it unless it exists with these requirements."""
    python = folder / "bin" / "python"
    marker = folder / MARKER.name
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *REQUIREMENTS], check=True)
    subprocess.run([str(python), "-m", "pip", "uninstall", "--yes", "--quiet", "hiredis"], check=True)
    marker.write_text(wanted)
    return python


def versions(python: Path) -> dict[str, str]:
    """Installed release of every pinned distribution in the environment."""
    names = [requirement.split("==")[0].split("[")[0] for requirement in REQUIREMENTS]
    script = "import importlib.metadata as m, json, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    output = subprocess.run([str(python), "-c", script, *names], check=True, capture_output=True, text=True)
    found: dict[str, str] = json.loads(output.stdout)
    return found
