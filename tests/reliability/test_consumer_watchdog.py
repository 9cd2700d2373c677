"""A worker whose consumer stopped fetching while connected is brought back by its watchdog."""

from __future__ import annotations

import time

from tests.reliability.figures import Figures
from tests.reliability.platform import Platform, platform_fixture  # noqa: F401 (the fixture)

WATCHDOG_S = 3


def test_a_consumer_dropped_behind_the_workers_back_consumes_again(platform: Platform, figures: Figures) -> None:
    figures.load, figures.faults = "10 tasks, 1 worker", "task consumer cancelled behind the worker's back"
    worker = platform.start_worker(TASKS_WORKER__CONSUMER_WATCHDOG_S=str(WATCHDOG_S))
    replies = platform.client.control.broadcast(
        "testing_drop_task_consumer", destination=[worker.name], reply=True, timeout=5
    )
    assert replies == [{worker.name: {"ok": ["default"]}}]

    # Given a worker that answers pings but takes nothing from its queue
    sent_at = time.monotonic()
    task_ids = [platform.send(value) for value in range(10)]
    figures.sent = len(task_ids)
    time.sleep(WATCHDOG_S / 2)
    assert platform.done(task_ids) == set()
    assert platform.client.control.ping(destination=[worker.name], timeout=2)

    # Then the watchdog restarts its consumer and every task runs
    done = platform.wait_done(task_ids, timeout_s=WATCHDOG_S + 20)
    figures.recovery_s = round(time.monotonic() - sent_at, 1)
    figures.completed, figures.lost = len(done), len(task_ids) - len(done)
    figures.duplicated = sum(1 for count in platform.runs(task_ids).values() if count > 1)
    assert done == set(task_ids)
    assert "consumer watchdog: idle for" in worker.log()


def test_a_deliberately_cancelled_consumer_is_left_alone(platform: Platform) -> None:
    worker = platform.start_worker(TASKS_WORKER__CONSUMER_WATCHDOG_S=str(WATCHDOG_S))
    platform.client.control.cancel_consumer("default", destination=[worker.name], reply=True, timeout=5)

    task_ids = [platform.send(value) for value in range(3)]
    time.sleep(3 * WATCHDOG_S)

    assert platform.done(task_ids) == set()
    assert "consumer watchdog" not in worker.log()
    platform.client.control.add_consumer("default", destination=[worker.name], reply=True, timeout=5)
    assert platform.wait_done(task_ids, timeout_s=20) == set(task_ids)
