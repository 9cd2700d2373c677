"""`celery -A tasks dlq ...` as a user runs it: a subprocess, from another directory."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from celery import Celery

from tasks import deadletter
from tasks.settings import get_settings
from tests.harness.cli import celery

dlq = partial(celery, "dlq")


def entry_for(task: str, n: int = 0) -> dict[str, Any]:
    return deadletter.record(
        task_id=f"{task}-{n}",
        task=task,
        queue="default",
        args=[],
        kwargs={"value": n, "token": "tok-abc"},
        reason="retries_exhausted",
        exception=TimeoutError("upstream timed out"),
        retries=5,
        worker="w@host",
        dlq=get_settings().dlq,
        secrets=get_settings().secrets(),
    )


def test_list_and_show(task_name: str, tmp_path: Path) -> None:
    first, second = entry_for(task_name, 1), entry_for(task_name, 2)

    listed = dlq("list", "--task", task_name, "--json", cwd=tmp_path)
    shown = dlq("show", first["id"], "--json", cwd=tmp_path)
    table = dlq("list", "--task", task_name, "--reason", "retries_exhausted", cwd=tmp_path)
    text = dlq("show", first["id"], cwd=tmp_path)

    assert listed.returncode == 0, listed.stderr
    assert [e["id"] for e in json.loads(listed.stdout)] == [second["id"], first["id"]]
    assert json.loads(shown.stdout) == first
    assert second["id"] in table.stdout and "retries_exhausted" in table.stdout
    assert "upstream timed out" in text.stdout and "tok-abc" not in text.stdout


def test_unknown_id_is_a_clear_error(tmp_path: Path) -> None:
    plain = dlq("show", "no-such-id", cwd=tmp_path)
    as_json = dlq("show", "no-such-id", "--json", cwd=tmp_path)
    replay = dlq("replay", "no-such-id", cwd=tmp_path)

    assert plain.returncode == 1 and "no dead letter with id 'no-such-id'" in plain.stderr
    assert as_json.returncode == 1 and json.loads(as_json.stdout) == {"error": "no dead letter with id 'no-such-id'"}
    assert replay.returncode == 1 and "no-such-id" in replay.stderr


def test_replay_twice_needs_force(task_name: str, tmp_path: Path) -> None:
    entry = entry_for(task_name)

    first = dlq("replay", entry["id"], "--json", cwd=tmp_path)
    again = dlq("replay", entry["id"], cwd=tmp_path)
    forced = dlq("replay", entry["id"], "--force", cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    new_id = json.loads(first.stdout)["replayed"][entry["id"]]
    assert again.returncode == 1 and "--force" in again.stderr
    assert forced.returncode == 0 and "replayed" in forced.stdout
    stored = deadletter.get(entry["id"])
    assert stored is not None and stored["replayed_as"] not in {None, new_id}


def test_replay_all_of_a_task(app: Celery, task_name: str, tmp_path: Path) -> None:
    entries = [entry_for(task_name, n) for n in range(3)]
    deadletter.replay(app, entries[0]["id"])

    result = dlq("replay", "--all", "--task", task_name, "--json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)["replayed"]) == {entries[1]["id"], entries[2]["id"]}


def test_purge_needs_yes(task_name: str, tmp_path: Path) -> None:
    entry_for(task_name, 1)
    entry_for(task_name, 2)

    refused = dlq("purge", "--task", task_name, cwd=tmp_path)
    purged = dlq("purge", "--task", task_name, "--yes", "--json", cwd=tmp_path)

    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert json.loads(purged.stdout) == {"purged": 2}
    assert deadletter.list_entries(task=task_name) == []
