"""Redis behind Sentinel: broker, result backend and platform state all found through a real sentinel."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.harness.clients import client_app
from tests.harness.services import RedisServer, SentinelServer
from tests.harness.workers import WorkerProcess, wait_for

MASTER_PASSWORD = "master-pass-5c1e0b7d"
SENTINEL_PASSWORD = "sentinel-pass-9a4f27e3"


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[SentinelServer]:
    master = RedisServer(tmp_path / "master", password=MASTER_PASSWORD).start()
    server = SentinelServer(tmp_path / "sentinel", master, password=SENTINEL_PASSWORD).start()
    yield server
    server.stop()
    master.stop()


def sentinel_env(sentinel: SentinelServer) -> dict[str, str]:
    """Every Redis of the platform through the sentinel; the broker's options set, the backend's defaulted."""
    url = sentinel.url()
    return {
        "TASKS_REDIS_URL": url,
        "TASKS_REDIS_SENTINEL__MASTER_NAME": sentinel.master_name,
        "TASKS_REDIS_SENTINEL__PASSWORD": SENTINEL_PASSWORD,
        "TASKS_BROKER_URL": url,
        "TASKS_BROKER_TRANSPORT_OPTIONS": json.dumps(
            {"master_name": sentinel.master_name, "sentinel_kwargs": {"password": SENTINEL_PASSWORD}}
        ),
        "TASKS_RESULT_BACKEND": url,
        "TASKS_WORKER__EXTRA_TASK_MODULES": "tests.hooks.sample_tasks",
    }


def test_a_worker_runs_tasks_with_every_redis_behind_sentinel(
    sentinel: SentinelServer, start_worker: Callable[..., WorkerProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = sentinel_env(sentinel)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = client_app()
    worker = start_worker(client=client, env=env, queues=["default", "scheduled"])

    results = [client.send_task("testing.work", kwargs={"value": n}) for n in range(5)]
    health = client.send_task("health.check_dependencies").get(timeout=60)

    assert [result.get(timeout=30) for result in results] == list(range(5))
    assert health["checks"]["redis"]["status"] == "healthy"
    assert health["checks"]["result_backend"]["status"] == "healthy"
    assert health["checks"]["workers"]["status"] == "healthy"
    master = redis.Redis.from_url(sentinel.master.url)
    # The tasks' own run counters (platform state), their results and the broker's keys are on the master.
    assert all(master.get(f"tasks:testing:runs:{result.id}") == b"1" for result in results)
    assert all(master.exists(f"celery-task-meta-{result.id}") for result in results)
    assert master.exists("_kombu.binding.default")
    log = worker.log()
    assert MASTER_PASSWORD not in log and SENTINEL_PASSWORD not in log
    assert "Traceback" not in log and " ERROR " not in log, log[-4000:]


def test_platform_state_follows_a_failover(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks.redis_client import connect
    from tasks.settings import Settings

    master = RedisServer(tmp_path / "master", password=MASTER_PASSWORD).start()
    replica = RedisServer(tmp_path / "replica", password=MASTER_PASSWORD, replica_of=master.port).start()
    sentinel = SentinelServer(tmp_path / "sentinel", master, password=SENTINEL_PASSWORD, down_after_ms=1000).start()
    watcher = redis.Redis(port=sentinel.port, password=SENTINEL_PASSWORD, decode_responses=True)
    try:
        for name, value in sentinel_env(sentinel).items():
            monkeypatch.setenv(name, value)
        client = connect(Settings(_env_file=None), decode_responses=True)  # type: ignore[call-arg]
        client.set("tasks:before", "1")
        on_replica = redis.Redis.from_url(replica.url, decode_responses=True)
        wait_for(lambda: on_replica.get("tasks:before") == "1", timeout_s=30, what="the write replicated")
        # The sentinel learns of the replica from the master's INFO (every 10 s) before it can promote it.
        wait_for(lambda: watcher.execute_command("SENTINEL", "REPLICAS", sentinel.master_name), timeout_s=30)
        master.kill()
        wait_for(
            lambda: (
                watcher.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", sentinel.master_name)[1]
                == str(replica.port)
            ),
            timeout_s=60,
            what="the replica promoted",
        )

        def written() -> bool:
            try:
                return bool(client.set("tasks:after", "2"))
            except redis.ConnectionError:
                return False

        wait_for(written, timeout_s=20, what="a write through the sentinel after the failover")
        assert on_replica.get("tasks:after") == "2"
        on_replica.close()
    finally:
        watcher.close()
        sentinel.stop()
        replica.stop()
        master.stop()
