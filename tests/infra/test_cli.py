"""`celery -A tasks infra status|ensure` as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial

from tests.harness.cli import celery
from tests.harness.workers import WorkerProcess
from tests.infra.phases import FRESH_ENVIRONMENT

infra = partial(celery, "infra")


def test_ensure_wait_shows_the_phases_then_status_reports(infra_worker: Callable[..., WorkerProcess]) -> None:
    infra_worker()

    ensure = infra("ensure", "test", "--wait")
    status = infra("status", "test", "--json")

    assert ensure.returncode == 0, ensure.stderr
    lines = ensure.stdout.splitlines()
    assert lines[0].startswith("queued infra.ensure_tables for test: ")
    phases = [line.split()[1] for line in lines[1:] if line[:4].isdigit()]
    assert phases == FRESH_ENVIRONMENT
    assert lines[-1] == "success=True, status=completed, valid=True"
    assert status.returncode == 0, status.stderr
    document = json.loads(status.stdout)
    assert (document["status"], document["environment"]) == ("completed", "test")
    assert document["tables_created"] == ["test-users", "test-sessions"]
    assert document["health"]["status"] == "healthy"


def test_dry_run_prints_the_plan_and_status_text(infra_worker: Callable[..., WorkerProcess]) -> None:
    infra_worker()

    before = infra("status", "test")
    ensure = infra("ensure", "test", "--dry-run", "--wait")
    after = infra("status", "test")

    assert "health:      unknown (no infrastructure run recorded for test)" in before.stdout
    assert ensure.returncode == 0, ensure.stderr
    assert "plan: create table test-users: table test-users does not exist" in ensure.stdout
    assert "next action: run infra.ensure_tables without dry_run to apply the plan" in ensure.stdout
    assert "issue:       [create_table] test-sessions: table test-sessions does not exist" in after.stdout
    assert "health:      degraded" in after.stdout


def test_ensure_without_wait_only_queues(infra_worker: Callable[..., WorkerProcess]) -> None:
    infra_worker()

    queued = infra("ensure", "staging")
    wrong = infra("ensure", "qa")

    assert queued.returncode == 0
    assert queued.stdout.startswith("queued infra.ensure_tables for staging: ")
    assert wrong.returncode == 2
    assert "'qa' is not one of 'dev', 'test', 'staging', 'prod'" in wrong.stderr
