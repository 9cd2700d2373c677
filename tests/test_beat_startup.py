"""`celery -A tasks beat` starts with the leader-locked Redis scheduler and publishes due entries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from celery import Celery

from tasks.redis_client import get_redis
from tests.harness.workers import wait_for

ENTRY_KEY = "tasks:redbeat:health_check"
LOCK_KEY = "tasks:redbeat::lock"


def test_beat_takes_the_lock_and_publishes_a_due_health_entry(app: Celery, run_dir: Path) -> None:
    redis = get_redis()
    # Given a stored health entry that last ran long ago, so it is due at once
    long_ago = {
        "__type__": "datetime",
        "year": 2020,
        "month": 1,
        "day": 1,
        "hour": 0,
        "minute": 0,
        "second": 0,
        "microsecond": 0,
        "timezone": "UTC",
    }
    stale = {
        "name": "health_check",
        "task": "health.check_dependencies",
        "args": None,
        "kwargs": {},
        "options": {},
        "schedule": {"__type__": "interval", "every": 3600, "relative": False},
        "enabled": True,
    }
    redis.hset(ENTRY_KEY, mapping={"definition": json.dumps(stale), "meta": json.dumps({"last_run_at": long_ago})})
    log = run_dir / "beat-startup.log"

    # When beat starts
    with log.open("w") as output:
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks", "beat", "-l", "INFO", "-s", str(run_dir / "beat-schedule")],
            env=dict(os.environ),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # Then it holds the lock, replaces the definition with beat_schedule.py's, and sends the due task
        wait_for(lambda: "Sending due task health_check" in log.read_text(), timeout_s=60, what="the due task")
        assert redis.exists(LOCK_KEY)
        definition = json.loads(redis.hget(ENTRY_KEY, "definition") or "{}")
        assert definition["task"] == "health.check_dependencies"
        assert definition["options"]["expires"] <= 300
        meta = json.loads(redis.hget(ENTRY_KEY, "meta") or "{}")
        assert meta["last_run_at"]["year"] > 2020
    finally:
        beat.terminate()
        beat.wait(30)
    assert not redis.exists(LOCK_KEY), "beat releases its lock when it stops"
