"""Two beat processes: each tick fires once; a killed leader is replaced within the lock timeout."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tasks.redis_client import get_redis
from tests.harness.beat import BeatProcess
from tests.harness.workers import wait_for

#: Beat's lock timeout (celeryconfig) plus one loop interval: the longest a takeover may take.
TAKEOVER_S = 25 + 5 + 1
EVERY_SECOND = {
    "TASKS_SCHEDULE__HEALTH_CHECK": "* * * * * *",
    **{
        f"TASKS_SCHEDULE__{name}": ""
        for name in ("PR_MONITOR", "INFRA_ENSURE", "RECOVER_STALE_DOCUMENTS", "TRIM_DEAD_LETTERS", "DAILY_SUMMARY")
    },
}


@pytest.fixture
def beats(run_dir: Path) -> Iterator[list[BeatProcess]]:
    started: list[BeatProcess] = []
    get_redis().delete(*get_redis().keys("tasks:redbeat:*") or ["-"])
    for number in range(2):
        beat = BeatProcess(env={**os.environ, **EVERY_SECOND}, log_path=run_dir / f"beat-ha-{time.time()}-{number}.log")
        started.append(beat.start())
    yield started
    for beat in started:
        beat.stop()


def test_two_beats_fire_each_tick_once_and_the_standby_takes_over(beats: list[BeatProcess]) -> None:
    # Given two beats, one leading
    wait_for(lambda: any(beat.leads() for beat in beats), timeout_s=30, what="a leading beat")
    leader, standby = sorted(beats, key=lambda beat: not beat.leads())
    wait_for(lambda: len(leader.sent("health_check")) >= 1, timeout_s=30, what="a first send")

    # When they run for 15 s
    time.sleep(15)

    # Then about one task a second was sent, by the leader alone
    sent = leader.sent("health_check")
    span = (sent[-1] - sent[0]).total_seconds()
    assert standby.sent("health_check") == []
    assert span - 2 <= len(sent) - 1 <= span + 2

    # When the leader dies without a word
    leader.kill()
    killed_at = sent[-1] if sent else None
    assert killed_at is not None

    # Then the standby leads within the lock timeout, catches up once, and ticks every second
    wait_for(lambda: len(standby.sent("health_check")) >= 5, timeout_s=TAKEOVER_S + 10, what="the standby sending")
    taken = standby.sent("health_check")
    assert taken[0] - killed_at <= timedelta(seconds=TAKEOVER_S)
    assert len([t for t in taken if t - taken[0] < timedelta(seconds=1)]) <= 2, "no burst of missed ticks"


def test_entries_removed_from_the_schedule_disappear(run_dir: Path) -> None:
    redis = get_redis()
    with_daily = BeatProcess(env={**os.environ}, log_path=run_dir / "beat-removal-1.log").start()
    try:
        wait_for(lambda: redis.exists("tasks:redbeat:daily_summary"), timeout_s=30, what="the daily entry stored")
    finally:
        with_daily.stop()
    meta = json.loads(redis.hget("tasks:redbeat:health_check", "meta") or "{}")

    without = BeatProcess(
        env={**os.environ, "TASKS_SCHEDULE__DAILY_SUMMARY": ""}, log_path=run_dir / "beat-removal-2.log"
    ).start()
    try:
        wait_for(without.leads, timeout_s=30, what="the second beat leading")
        wait_for(lambda: not redis.exists("tasks:redbeat:daily_summary"), timeout_s=30, what="the entry removed")
        # The schedule state of the entries that remain survives the restart.
        assert json.loads(redis.hget("tasks:redbeat:health_check", "meta") or "{}") == meta
    finally:
        without.stop()
