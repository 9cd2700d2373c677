"""The dead-letter store's API against real Redis."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from celery import Celery

from tasks import deadletter
from tasks.deadletter import store
from tasks.settings import get_settings


def record(task: str, n: int = 0, **overrides: Any) -> dict[str, Any]:
    """One entry, with the settings of this moment (a test may change them)."""
    settings = get_settings()
    fields: dict[str, Any] = {
        "task_id": f"{task}-{n}",
        "task": task,
        "queue": "default",
        "args": [],
        "kwargs": {"value": n},
        "reason": "non_retryable",
        "exception": ValueError(f"bad {n}"),
        "retries": 0,
        "worker": "w1@host",
        "dlq": settings.dlq,
        "secrets": settings.secrets(),
    }
    fields.update(overrides)
    return deadletter.record(**fields)


def test_record_get_and_find(task_name: str) -> None:
    try:
        raise ValueError("deep failure")
    except ValueError as error:
        entry = record(task_name, 1, exception=error, retries=2)

    assert deadletter.get(entry["id"]) == entry
    assert deadletter.find_by_task_id(f"{task_name}-1") == entry
    assert entry["exception_type"] == "ValueError"
    assert entry["exception_message"] == "deep failure"
    assert "raise ValueError" in entry["traceback"]
    assert entry["retries"] == 2
    assert deadletter.get("no-such-id") is None
    assert deadletter.find_by_task_id("no-such-task-id") is None


def test_listing_is_newest_first_and_filters(task_name: str) -> None:
    first = record(task_name, 1)
    second = record(task_name, 2, reason="retries_exhausted")
    third = record(task_name, 3)

    assert [e["id"] for e in deadletter.list_entries(task=task_name)] == [third["id"], second["id"], first["id"]]
    assert [e["id"] for e in deadletter.list_entries(task=task_name, limit=2)] == [third["id"], second["id"]]
    by_reason = deadletter.list_entries(task=task_name, reason="retries_exhausted")
    assert [e["id"] for e in by_reason] == [second["id"]]
    assert second["id"] in {e["id"] for e in deadletter.list_entries(reason="retries_exhausted", limit=10_000)}


def test_secrets_are_redacted(task_name: str, settings_env: Callable[..., None]) -> None:
    settings_env(TASKS_GITHUB__TOKEN="ghp_configuredsecret")

    entry = record(
        task_name,
        kwargs={"api_key": "k-1", "password": "p-1", "authorization": "Bearer x", "note": "ghp_configuredsecret"},
        args=["ghp_configuredsecret"],
        exception=RuntimeError("login with ghp_configuredsecret failed"),
    )

    assert entry["kwargs"] == {"api_key": "***", "password": "***", "authorization": "***", "note": "***"}
    assert entry["args"] == ["***"]
    assert "ghp_configuredsecret" not in str(deadletter.get(entry["id"]))
    # The replay payload keeps the original arguments, apart from the visible entry.
    payload = store.load_payload(entry["id"])
    assert payload is not None and payload["kwargs"]["api_key"] == "k-1"


def test_purge_by_task_and_all(task_name: str) -> None:
    other = f"{task_name}_other"
    for n in range(3):
        record(task_name, n)
    kept = record(other)

    assert deadletter.purge(task=task_name) == 3
    assert deadletter.list_entries(task=task_name) == []
    assert deadletter.get(kept["id"]) == kept
    assert deadletter.purge() >= 1
    assert deadletter.list_entries() == []
    assert deadletter.find_by_task_id(kept["task_id"]) is None


def test_listing_by_failure_time_replay_state_and_offset(
    app: Celery, task_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    stamped = []
    for n, age_s in enumerate((3600.0, 1800.0, 60.0)):
        monkeypatch.setattr(store, "time", SimpleNamespace(time=lambda age_s=age_s: now - age_s))
        stamped.append(record(task_name, n))
    monkeypatch.undo()
    oldest, middle, newest = stamped
    deadletter.replay(app, middle["id"])

    def ids(**query: Any) -> list[str]:
        return [entry["id"] for entry in deadletter.list_entries(task=task_name, **query)]

    assert ids(since_ts=now - 1800.0) == [newest["id"], middle["id"]], "bounds are inclusive"
    assert ids(until_ts=now - 1800.0) == [middle["id"], oldest["id"]]
    assert ids(since_ts=now - 2000.0, until_ts=now - 100.0) == [middle["id"]]
    assert ids(replayed=False) == [newest["id"], oldest["id"]]
    assert ids(replayed=True) == [middle["id"]]
    assert ids(offset=1, limit=1) == [middle["id"]]
    assert ids(offset=3) == []


def test_delete_some_entries(task_name: str) -> None:
    kept, *gone = [record(task_name, n) for n in range(3)]

    assert deadletter.delete([entry["id"] for entry in gone] + ["no-such-id"]) == 2
    assert deadletter.delete([gone[0]["id"]]) == 0

    assert deadletter.list_entries(task=task_name) == [kept]
    assert deadletter.find_by_task_id(gone[0]["task_id"]) is None
    assert deadletter.counts_by_task()[task_name] == 1


def test_trim_drops_entries_past_retention(task_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    old = time.time() - 31 * 86_400
    monkeypatch.setattr(store, "time", SimpleNamespace(time=lambda: old))
    stale = [record(task_name, n) for n in range(2)]
    monkeypatch.undo()

    assert deadletter.trim(get_settings().dlq) >= 2

    assert all(deadletter.get(e["id"]) is None for e in stale)
    assert deadletter.list_entries(task=task_name) == []
    assert deadletter.trim(get_settings().dlq) == 0


def test_recording_trims_what_retention_expired(task_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    old = time.time() - 31 * 86_400
    monkeypatch.setattr(store, "time", SimpleNamespace(time=lambda: old))
    stale = record(task_name, 1)
    monkeypatch.undo()

    fresh = record(task_name, 2)

    assert deadletter.get(stale["id"]) is None
    assert [e["id"] for e in deadletter.list_entries(task=task_name)] == [fresh["id"]]


def test_the_store_keeps_at_most_max_entries(task_name: str, settings_env: Callable[..., None]) -> None:
    deadletter.purge()
    settings_env(TASKS_DLQ__MAX_ENTRIES="5")

    entries = [record(task_name, n) for n in range(8)]

    listed = deadletter.list_entries(task=task_name)
    assert [e["id"] for e in listed] == [e["id"] for e in reversed(entries[3:])]
    assert all(deadletter.get(e["id"]) is None for e in entries[:3])


def test_replay_of_an_unknown_entry_names_it(app: Celery) -> None:
    with pytest.raises(deadletter.EntryNotFound, match="no-such-id"):
        deadletter.replay(app, "no-such-id")
