"""The shape of the package: settings read at the edges, thin top-level modules.

The import direction itself (layers, no cycles, stores apart) is checked by
`lint-imports` against the contracts in pyproject.toml, run in CI.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Where `get_settings()` may be called: the composition root, the command line, the
#: process's Redis connection (made on first use) and the contract's client helpers
#: (`tasks.upload.search`). Everything else is handed its settings.
EDGES = ("tasks/application.py", "tasks/cli/", "tasks/redis_client.py", "tasks/settings.py", "tasks/upload/__init__.py")


def calls_of(path: Path, name: str) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "id", None) == name or getattr(node.func, "attr", None) == name)
    ]


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at module level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_settings_are_read_only_at_the_edges() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "tasks").rglob("*.py"))
        if not str(path.relative_to(ROOT)).startswith(EDGES)
        for line in calls_of(path, "get_settings")
    }
    for top_level in ("celeryconfig.py", "beat_schedule.py"):
        offenders.update(f"{top_level}:{line}" for line in calls_of(ROOT / top_level, "get_settings"))

    assert offenders == set()


def test_the_top_level_modules_import_neither_the_app_nor_its_wiring() -> None:
    for top_level in ("celeryconfig.py", "beat_schedule.py"):
        imported = imported_modules(ROOT / top_level)
        wiring = {name for name in imported if name.startswith(("tasks.application", "tasks.hooks", "tasks.cli"))}

        assert wiring == set(), top_level
        assert "tasks.app" not in imported, top_level


def test_importing_celeryconfig_configures_nothing() -> None:
    celeryconfig = importlib.import_module("celeryconfig")

    assert not hasattr(celeryconfig, "broker_url")
    assert "broker_url" in celeryconfig.build(importlib.import_module("tasks.settings").Settings(_env_file=None))
