"""A week of churn (hostnames, task names, dead letters, recoveries) leaves a bounded key count in Redis.

Time is simulated: long-lived keys are checked for an expiry within their bound, and the
short bounds configured here (one second) are let to pass for real, one "day" each.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tasks.redis_client import get_redis, key

DAYS = 4
HOSTS_PER_DAY = 30
UNKNOWN_NAMES_PER_DAY = 30
DEAD_LETTERS_PER_DAY = 60
MAX_ENTRIES = 40


@pytest.fixture
def short_bounds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from tasks.settings import get_settings

    monkeypatch.setenv("TASKS_DLQ__MAX_ENTRIES", str(MAX_ENTRIES))
    monkeypatch.setenv("TASKS_METRICS__WORKER_STATS_TTL_S", "1")
    monkeypatch.setenv("TASKS_UPLOAD__RECOVERY_COUNT_TTL_S", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def platform_keys() -> set[str]:
    return {str(name) for name in get_redis().scan_iter(match=key("*"), count=1000)}


def one_day(day: int, run: str) -> None:
    """Hosts come, work and go; hostile task names are refused; jobs dead-letter; documents recover."""
    from tasks import deadletter
    from tasks.hooks.metrics import MetricsHook
    from tasks.liveness import heartbeat
    from tasks.settings import WorkerSettings, get_settings
    from tasks.upload.recovery import count_recovery

    settings = get_settings()
    liveness = WorkerSettings(heartbeat_s=1, dead_after_s=2)
    hook = MetricsHook(settings.metrics, count_dead_letters=True)
    recorder = hook.recorder
    for n in range(HOSTS_PER_DAY):
        host = f"churn-{run}-{day}-{n}@host"
        recorder.worker_started(host)
        heartbeat.beat(host, liveness, [f"{run}-{day}-{n}"])
        recorder.finished("testing.work", "succeeded", 0.01, host)
        heartbeat.stop(host)
    for n in range(UNKNOWN_NAMES_PER_DAY):
        hook.unknown(message=None, name=f"evil-{run}-{day}-{n}", task_id=uuid.uuid4().hex)
    for n in range(DEAD_LETTERS_PER_DAY):
        deadletter.record(
            task_id=f"{run}-{day}-{n}",
            task="testing.work",
            queue="default",
            args=[],
            kwargs={},
            reason="non_retryable",
            exception=ValueError("churn"),
            retries=0,
            worker=None,
            dlq=settings.dlq,
            secrets=(),
        )
    for n in range(10):
        count_recovery(f"doc-{run}-{day}-{n}", settings.upload.recovery_count_ttl_s)
    recorder.buffer.flush()


def test_a_week_of_churn_leaves_a_bounded_key_count(short_bounds: None) -> None:
    from tasks import app
    from tasks.deadletter.store import by_task_id_key
    from tasks.metrics import keys
    from tasks.metrics.snapshot import snapshot
    from tasks.settings import get_settings

    client = get_redis()
    run = uuid.uuid4().hex[:8]
    before = platform_keys()
    counts: list[int] = []
    for day in range(DAYS):
        one_day(day, run)
        time.sleep(1.2)  # the one-second bounds of this test pass: a "day"
        snapshot(app)  # a reader prunes workers whose stats expired
        counts.append(len(platform_keys() - before))

    new = platform_keys() - before
    # The key count does not grow with the days: what remains is bounded by the settings.
    assert counts[-1] <= counts[0] + 2, counts
    assert counts[-1] <= 3 * MAX_ENTRIES + 10, sorted(new)
    retention_s = get_settings().dlq.retention_days * 86_400
    index = [name for name in new if name.startswith(by_task_id_key(""))]
    assert 0 < len(index) <= MAX_ENTRIES
    assert all(0 < client.ttl(name) <= retention_s for name in index)
    assert sum(1 for name in new if name.startswith(key("dlq", "entry"))) <= MAX_ENTRIES
    # No key of a host, a dead letter's task id or a document stays without an expiry.
    persistent = sorted(name for name in new if client.ttl(name) == -1)
    assert not [name for name in persistent if run in name], persistent
    assert not {str(worker) for worker in client.smembers(keys.WORKERS)} & {
        f"churn-{run}-{day}-{n}@host" for day in range(DAYS) for n in range(HOSTS_PER_DAY)
    }
    fields = [str(name) for name in client.hkeys(keys.COUNTS)]
    assert not [name for name in fields if run in name]
    assert "unknown|rejected" in fields
