"""The hook dispatcher: `before` events in the hooks' order, `after` events in reverse, failures contained."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tasks.core.events import AFTER_EVENTS, EVENTS, Hook, Hooks


class Ordered(Hook):
    def __init__(self, name: str, seen: list[str], fails: bool = False) -> None:
        self.name = name
        self.seen = seen
        self.fails = fails

    def _saw(self) -> None:
        self.seen.append(self.name)
        if self.fails:
            raise RuntimeError(f"{self.name} is down")

    def prerun(self, *, task: Any, task_id: str) -> None:
        self._saw()

    def postrun(self, *, task: Any, task_id: str, state: str | None) -> None:
        self._saw()

    def worker_ready(self, *, app: Any, hostname: str) -> None:
        self._saw()

    def worker_shutdown(self) -> None:
        self._saw()


def test_before_events_run_in_order_and_after_events_in_reverse() -> None:
    seen: list[str] = []
    hooks = Hooks([Ordered("first", seen), Ordered("second", seen), Ordered("third", seen)])

    hooks.emit("worker_ready", app=None, hostname="w@h")
    hooks.emit("prerun", task=None, task_id="t-1")
    hooks.emit("postrun", task=None, task_id="t-1", state="SUCCESS")
    hooks.emit("worker_shutdown")

    assert seen == ["first", "second", "third"] * 2 + ["third", "second", "first"] * 2


def test_a_failing_hook_is_contained_in_either_order(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []
    hooks = Hooks([Ordered("first", seen), Ordered("broken", seen, fails=True), Ordered("last", seen)])

    with caplog.at_level(logging.ERROR):
        hooks.emit("prerun", task=None, task_id="t-1")
        hooks.emit("postrun", task=None, task_id="t-1", state="FAILURE")

    assert seen == ["first", "broken", "last", "last", "broken", "first"]
    assert "the broken hook failed on prerun" in caplog.text
    assert "the broken hook failed on postrun" in caplog.text
    assert "broken is down" in caplog.text


def test_every_event_is_a_method_of_the_hook_protocol() -> None:
    assert all(callable(getattr(Hook, event)) for event in EVENTS)
    assert set(EVENTS) >= AFTER_EVENTS
    assert {"postrun", "failure", "worker_shutdown", "process_shutdown"} <= AFTER_EVENTS
    assert not {"before_publish", "worker_ready", "prerun"} & AFTER_EVENTS
