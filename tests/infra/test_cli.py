"""`celery -A tasks infra status|ensure` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable

from tests.harness.workers import WorkerProcess


def celery(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "celery", "-A", "tasks", "infra", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )


def test_ensure_wait_shows_the_phases_then_status_reports(infra_worker: Callable[..., WorkerProcess]) -> None:
    infra_worker()

    ensure = celery("ensure", "test", "--wait")
    status = celery("status", "test", "--json")

    assert ensure.returncode == 0, ensure.stderr
    lines = ensure.stdout.splitlines()
    assert lines[0].startswith("queued infra.ensure_tables for test: ")
    phases = [line.split()[1] for line in lines[1:] if line[:4].isdigit()]
    assert phases == [
        "initializing",
        "initializing",
        "creating_tables",
        "creating_tables",
        "waiting_for_tables",
        "waiting_for_tables",
        "validating",
        "completed",
    ]
    assert lines[-1] == "success=True, status=completed, valid=True"
    assert status.returncode == 0, status.stderr
    document = json.loads(status.stdout)
    assert (document["status"], document["environment"]) == ("completed", "test")
    assert document["tables_created"] == ["test-users", "test-sessions"]
    assert document["health"]["status"] == "healthy"


def test_dry_run_prints_the_plan_and_status_text(infra_worker: Callable[..., WorkerProcess]) -> None:
    infra_worker()

    before = celery("status", "test")
    ensure = celery("ensure", "test", "--dry-run", "--wait")
    after = celery("status", "test")

    assert "health:      unknown (no infrastructure run recorded for test)" in before.stdout
    assert ensure.returncode == 0, ensure.stderr
    assert "plan: create table test-users: table test-users does not exist" in ensure.stdout
    assert "next action: run infra.ensure_tables without dry_run to apply the plan" in ensure.stdout
    assert "issue:       [create_table] test-sessions: table test-sessions does not exist" in after.stdout
    assert "health:      degraded" in after.stdout


def test_ensure_without_wait_only_queues(infra_worker: Callable[..., WorkerProcess]) -> None:
    infra_worker()

    queued = celery("ensure", "staging")
    wrong = celery("ensure", "qa")

    assert queued.returncode == 0
    assert queued.stdout.startswith("queued infra.ensure_tables for staging: ")
    assert wrong.returncode == 2
    assert "'qa' is not one of 'dev', 'test', 'staging', 'prod'" in wrong.stderr
