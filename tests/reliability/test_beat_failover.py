"""Two beats under load: the leader SIGKILLed, the standby takes over, no tick fires twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

from tests.harness.beat import BeatProcess
from tests.harness.workers import wait_for
from tests.reliability.figures import Figures
from tests.reliability.platform import EVERY_SECOND, Platform, platform_fixture  # noqa: F401 (the fixture)

#: Beat's lock timeout (celeryconfig) plus one loop interval: the longest a takeover may take.
TAKEOVER_S = 25 + 5 + 1


def test_the_standby_beat_takes_over_and_no_tick_fires_twice(
    platform: Platform, figures: Figures, full_size: bool
) -> None:
    lead_s, rate = (60, 100) if full_size else (10, 30)
    figures.load = f"2 beats, an entry every second; {rate} tasks/s on 2 workers x 2"
    figures.faults = "the leading beat SIGKILLed"
    for _ in range(2):
        platform.start_worker()
    beats = [
        BeatProcess(env=platform.env(**EVERY_SECOND), log_path=platform.folder / f"beat-{number}.log").start()
        for number in range(2)
    ]
    stop = threading.Event()
    sent: list[str] = []

    def load() -> None:
        while not stop.is_set():
            sent.append(platform.send(len(sent), sleep_s=0.02))
            time.sleep(1 / rate)

    loader = threading.Thread(target=load)
    try:
        wait_for(lambda: any(beat.leads() for beat in beats), timeout_s=60, what="a leading beat")
        leader, standby = sorted(beats, key=lambda beat: not beat.leads())
        loader.start()

        # Given the leader sending under load
        wait_for(lambda: len(leader.sent("health_check")) >= lead_s, timeout_s=lead_s + 30, what="leader sends")

        # When it dies without a word
        leader.kill()
        killed_at = leader.sent("health_check")[-1]

        # Then the standby leads within the lock timeout and every tick is sent once
        wait_for(lambda: len(standby.sent("health_check")) >= 5, timeout_s=TAKEOVER_S + 15, what="standby sends")
        stop.set()
        loader.join()
        sends = leader.sent("health_check") + standby.sent("health_check")
        per_second = Counter(at.replace(microsecond=0) for at in sends)
        taken = standby.sent("health_check")
        done = platform.wait_done(sent, timeout_s=60)
        figures.sent, figures.completed, figures.lost = len(sent), len(done), len(sent) - len(done)
        figures.duplicated = sum(count - 1 for count in per_second.values() if count > 1)
        figures.recovery_s = round((taken[0] - killed_at).total_seconds(), 1)
        figures.notes.update(ticks=len(sends))
        assert figures.duplicated == 0
        assert taken[0] - killed_at <= timedelta(seconds=TAKEOVER_S)
        assert all(at > killed_at for at in taken), "the standby sent nothing while the leader lived"
        assert done == set(sent)
    finally:
        stop.set()
        if loader.is_alive():
            loader.join()
        for beat in beats:
            beat.stop()
