"""Redis restarted (append-only file, fsync every second) while tasks stream in."""

from __future__ import annotations

import threading
import time

from kombu.exceptions import OperationalError

from tests.reliability.figures import Figures
from tests.reliability.platform import (  # noqa: F401 (the fixture)
    Platform,
    first_completion_after,
    lost_durable,
    platform_fixture,
)

#: Only what was written more than this long before the kill is on disk (appendfsync everysec).
FSYNC_S = 1.0


def test_tasks_sent_before_a_redis_restart_complete(platform: Platform, figures: Figures, full_size: bool) -> None:
    count, rate = (2000, 100) if full_size else (300, 50)
    figures.load = f"{count} tasks at {rate}/s, 2 workers x 2"
    figures.faults = "redis-server SIGKILLed and restarted (AOF everysec) mid-stream"
    for _ in range(2):
        platform.start_worker()
    sent: list[tuple[str, float]] = []
    refused: list[BaseException] = []

    def stream() -> None:
        for value in range(count):
            try:
                sent.append((platform.send(value, sleep_s=0.01), time.monotonic()))
            except OperationalError as error:
                refused.append(error)
            time.sleep(1 / rate)

    sender = threading.Thread(target=stream)
    sender.start()
    time.sleep(count / rate / 2)

    # When Redis dies mid-stream and comes back
    killed_at = time.monotonic()
    platform.server.restart()
    recovery_s = first_completion_after(platform, lambda: [task_id for task_id, _ in sent], timeout_s=30)
    sender.join()

    # Then every task sent more than a second before the kill completes
    task_ids = [task_id for task_id, _ in sent]
    durable = [task_id for task_id, at in sent if at < killed_at - FSYNC_S]
    done = platform.wait_done(task_ids, timeout_s=90)
    runs = platform.runs(task_ids)
    figures.sent, figures.completed = len(task_ids), len(done)
    figures.lost = len(lost_durable(done, durable))
    figures.duplicated = sum(1 for count in runs.values() if count > 1)
    figures.recovery_s = round(recovery_s, 1)
    figures.notes.update(refused=len(refused), in_last_fsync_window_lost=len(set(task_ids) - set(durable) - done))
    assert refused == [], "the shipped publish retry rides out a restart"
    assert recovery_s <= 10, "workers consume again within 10 s of Redis returning"
