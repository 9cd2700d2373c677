"""Redis away for a while: publishing is bounded, what was queued before runs, all resume."""

from __future__ import annotations

import gc
import threading
import time
from datetime import datetime

import pytest
from kombu.exceptions import OperationalError

from tests.harness.beat import BeatProcess
from tests.harness.workers import wait_for
from tests.reliability.figures import Figures
from tests.reliability.platform import (  # noqa: F401 (the fixture)
    EVERY_SECOND,
    Platform,
    client_app,
    close_client,
    first_completion_after,
    lost_durable,
    platform_fixture,
)

#: The publish bound an application sets for itself (TASKS_PUBLISH__RETRY_FOR_S).
SHORT_RETRY_S = 2.0


# On reconnecting, Celery's result consumer resets its connection pool without closing the
# socket it held; the socket is collected (and warned about) at the end of this test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_redis_outage_bounds_publishing_and_loses_nothing(
    platform: Platform, figures: Figures, full_size: bool
) -> None:
    # Both longer than the shipped publish retry (10 s): a task caught running by the outage
    # cannot publish its retry, and its message must come back all the same.
    outage_s, count = (30.0, 1000) if full_size else (15.0, 200)
    figures.load = f"{count} tasks queued, 2 workers x 2, beat every second"
    figures.faults = f"redis-server SIGKILLed, away {outage_s:.0f} s, restarted (AOF everysec)"
    for _ in range(2):
        platform.start_worker()
    beat = BeatProcess(env=platform.env(**EVERY_SECOND), log_path=platform.folder / "beat.log").start()
    try:
        wait_for(lambda: beat.sent("health_check"), timeout_s=60, what="beat sending")

        # Given a backlog queued more than a fsync interval before the outage
        task_ids = [platform.send(value, sleep_s=0.05) for value in range(count)]
        figures.sent = count
        time.sleep(1.5)

        # When Redis goes away
        platform.server.kill()

        # Then an application's .delay() fails within the bound it set, with a catchable error
        impatient = client_app(platform.url, retry_for_s=SHORT_RETRY_S)
        started = time.monotonic()
        with pytest.raises(OperationalError):
            impatient.send_task("testing.work", kwargs={"value": -1})
        refused_after_s = time.monotonic() - started
        close_client(impatient)
        assert SHORT_RETRY_S <= refused_after_s <= SHORT_RETRY_S + 2

        # and one that allows longer than the outage gets through once Redis is back
        patient = client_app(platform.url, retry_for_s=outage_s + 10)
        ridden: list[str] = []
        rider = threading.Thread(target=lambda: ridden.append(str(patient.send_task("testing.work", kwargs={}).id)))
        rider.start()
        time.sleep(max(0.0, outage_s - (time.monotonic() - started)))
        platform.server.start(timeout_s=30)
        back_at = datetime.now()
        recovery_s = first_completion_after(platform, lambda: task_ids + ridden, timeout_s=60)
        rider.join(30)
        close_client(patient)
        gc.collect()

        # Then every task queued before the outage runs, workers and beat without a restart
        all_ids = task_ids + ridden
        done = platform.wait_done(all_ids, timeout_s=120)
        runs = platform.runs(all_ids)
        lost = lost_durable(done, task_ids)
        figures.completed, figures.lost = len(done & set(task_ids)), len(lost)
        figures.duplicated = sum(1 for count in runs.values() if count > 1)
        figures.recovery_s = round(recovery_s, 1)
        beat_resumed = [at for at in beat.sent("health_check") if at > back_at]
        figures.notes.update(refused_after_s=round(refused_after_s, 1), rode_out=len(ridden))
        if beat_resumed:
            figures.notes["beat_resumed_s"] = round((beat_resumed[0] - back_at).total_seconds(), 1)
        assert len(ridden) == 1 and ridden[0] in done
        assert beat_resumed, "beat sends again without a restart"
        assert all(worker.process is not None and worker.process.poll() is None for worker in platform.workers)
        assert beat.process is not None and beat.process.poll() is None
    finally:
        beat.stop()
