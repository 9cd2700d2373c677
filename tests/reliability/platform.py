"""What the outage scenarios share: a private Redis, a client app on it, workers, results."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from celery import Celery
from pydantic import AnyUrl

import celeryconfig
from tasks.settings import PublishSettings, Settings
from tests.harness.services import RedisServer, platform_env
from tests.harness.workers import RUNNING, WorkerProcess
from tests.hooks.sample_tasks import runs_key

#: Worker settings of the scenarios: test tasks, and a dead worker's messages back in seconds.
WORKER_ENV = {
    "TASKS_WORKER__EXTRA_TASK_MODULES": "tests.hooks.sample_tasks,tests.reliability.stuck_consumer",
    "TASKS_WORKER__HEARTBEAT_S": "1",
    "TASKS_WORKER__DEAD_AFTER_S": "3",
}

#: Beat's schedule in the scenarios: one entry every second, the others off.
EVERY_SECOND = {
    "TASKS_SCHEDULE__HEALTH_CHECK": "* * * * * *",
    **{
        f"TASKS_SCHEDULE__{name}": ""
        for name in ("PR_MONITOR", "INFRA_ENSURE", "RECOVER_STALE_DOCUMENTS", "TRIM_DEAD_LETTERS", "DAILY_SUMMARY")
    },
}


def lost_durable(done: set[str], durable: list[str]) -> set[str]:
    """Durable tasks not done: none may be, since the platform's Redis transport records a
    message as unacknowledged in the same step that takes it off its queue."""
    missing = set(durable) - done
    assert not missing, f"{len(missing)} durable tasks lost: {sorted(missing)[:5]}"
    return missing


def client_app(url: str, retry_for_s: float = 10.0) -> Celery:
    """An application's Celery client on `url`, configured by the shipped celeryconfig."""
    settings = Settings(_env_file=None, redis_url=AnyUrl(url), publish=PublishSettings(retry_for_s=retry_for_s))  # type: ignore[call-arg]
    client = Celery("client", set_as_current=False)
    client.config_from_object(celeryconfig.build(settings))
    return client


def close_client(client: Celery) -> None:
    """Close a client app's broker and result-store connections (its pub/sub one too)."""
    client.backend.result_consumer.stop()
    client.backend.client.connection_pool.disconnect()
    client.close()


@dataclass
class Platform:
    """One scenario's Redis (append-only), its client and the workers it started."""

    folder: Path
    server: RedisServer
    client: Celery
    workers: list[WorkerProcess] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def env(self, **overrides: str) -> dict[str, str]:
        return platform_env(self.folder, self.url, **{**WORKER_ENV, **overrides})

    def start_worker(self, *, queues: Iterable[str] = ("default",), concurrency: int = 2, **env: str) -> WorkerProcess:
        number = len(self.workers)
        worker = WorkerProcess(
            env=self.env(**env),
            log_path=self.folder / "workers" / f"worker-{number}.log",
            queues=list(queues),
            concurrency=concurrency,
        )
        self.workers.append(worker)
        return worker.start(self.client)

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)

    def send(self, value: int, sleep_s: float = 0.0) -> str:
        result = self.client.send_task("testing.work", kwargs={"value": value, "sleep_s": sleep_s})
        return str(result.id)

    def done(self, task_ids: list[str]) -> set[str]:
        """The task ids among `task_ids` whose result is SUCCESS."""
        client = self.redis()
        try:
            metas = client.mget([f"celery-task-meta-{task_id}" for task_id in task_ids]) if task_ids else []
        finally:
            client.close()
        return {
            task_id
            for task_id, meta in zip(task_ids, metas, strict=True)
            if meta is not None and json.loads(meta).get("status") == "SUCCESS"
        }

    def runs(self, task_ids: list[str]) -> dict[str, int]:
        client = self.redis()
        try:
            counts = client.mget([runs_key(task_id) for task_id in task_ids]) if task_ids else []
        finally:
            client.close()
        return {task_id: int(count or 0) for task_id, count in zip(task_ids, counts, strict=True)}

    def wait_done(self, task_ids: list[str], timeout_s: float) -> set[str]:
        """Poll until every task is done or `timeout_s` passes; returns those done."""
        deadline = time.monotonic() + timeout_s
        done: set[str] = set()
        while time.monotonic() < deadline:
            try:
                done = self.done(task_ids)
            except redis.RedisError:
                done = set()
            if len(done) == len(task_ids):
                break
            time.sleep(0.2)
        return done


def first_completion_after(platform: Platform, task_ids: Callable[[], list[str]], timeout_s: float) -> float:
    """Seconds until a task of `task_ids()` not done at the call is done; inf if none in `timeout_s`."""
    start = time.monotonic()
    since: set[str] | None = None
    while time.monotonic() - start < timeout_s:
        try:
            done = platform.done(task_ids())
        except redis.RedisError:
            done = None
        if done is not None:
            if since is None:
                since = done
            elif done - since:
                return time.monotonic() - start
        time.sleep(0.1)
    return float("inf")


@pytest.fixture(name="platform")
def platform_fixture(run_dir: Path, request: pytest.FixtureRequest) -> Iterator[Platform]:
    folder = run_dir / "reliability" / request.node.name
    server = RedisServer(folder / "redis", appendonly=True).start()
    scenario = Platform(folder=folder, server=server, client=client_app(server.url))
    try:
        yield scenario
    finally:
        for worker in scenario.workers:
            worker.stop()
            if worker in RUNNING:
                RUNNING.remove(worker)
        close_client(scenario.client)
        server.stop()
