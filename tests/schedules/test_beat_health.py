"""`celery -A tasks beat-health`: a beat's own liveness, from its recorded tick or the leader's lock."""

from __future__ import annotations

import time
from pathlib import Path

import redis

from tasks.schedules.scheduler import tick_key
from tests.harness.cli import celery
from tests.harness.services import RedisServer

HOST = "beat-host-1"
LOCK = "tasks:redbeat::lock"


def beat_health(server: RedisServer) -> tuple[int, str]:
    done = celery("beat-health", "--hostname", HOST, "--max-age-s", "30", env={"TASKS_REDIS_URL": server.url})
    return done.returncode, done.stdout + done.stderr


def test_a_beat_is_alive_while_it_ticks_or_stands_by_behind_a_held_lock(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis").start()
    client = redis.Redis.from_url(server.url)
    try:
        alone = beat_health(server)
        client.set(LOCK, "another-beat", px=25_000)
        standing_by = beat_health(server)
        client.set(tick_key(HOST), f"{time.time() - 2:.3f}")
        ticking = beat_health(server)
        client.set(tick_key(HOST), f"{time.time() - 120:.3f}")
        stuck = beat_health(server)
    finally:
        client.close()
        server.stop()
    away = beat_health(server)

    assert alone[0] == 2 and "never ticked, and no beat holds the lock" in alone[1]
    assert standing_by[0] == 0 and "standing by" in standing_by[1]
    assert ticking[0] == 0 and "ticked " in ticking[1]
    assert away[0] == 2 and "Redis did not answer (ConnectionError)" in away[1] and "Traceback" not in away[1]
    assert stuck[0] == 2 and "last tick 12" in stuck[1] and "over 30.0 s" in stuck[1]
