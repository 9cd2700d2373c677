"""Helpers of the dead-letter tests: settings changed for one test, unique task names."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set TASKS_* variables for this test's process (the cached settings are re-read)."""
    from tasks.settings import get_settings

    def apply(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()


@pytest.fixture
def task_name() -> str:
    """A task name no other test uses, so counts and listings are this test's own."""
    return f"testing.dlq_{uuid.uuid4().hex[:8]}"
