"""Session set-up: real Redis (a claimed database or a private server), real workers.

Nothing here imports `tasks` at module level: the environment is set first, in
`pytest_configure`, so the platform's settings read the test services.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from tests.harness import services
from tests.harness.clients import client_app
from tests.harness.workers import RUNNING, WorkerProcess

#: The RabbitMQ the core's integration tests also run on, when it answers.
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"

_state: dict[str, Any] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full-size", action="store_true", help="run the reliability scenarios at full size (default: reduced)"
    )


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    root = Path(config.rootpath) / ".pytest-run" / uuid.uuid4().hex[:8]
    root.mkdir(parents=True)
    _state["root"] = root
    redis_url, _state["release"] = services.redis_for_run(root)
    env = services.platform_env(root, redis_url, TASKS_RETRY__BACKOFF_BASE_S="0.2", TASKS_RETRY__BACKOFF_MAX_S="1")
    os.environ.clear()
    os.environ.update(env)


def pytest_unconfigure(config: pytest.Config) -> None:
    for worker in list(RUNNING):
        worker.stop()
    release = _state.pop("release", None)
    if release is not None:
        release()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.reliability.figures import ROWS

    if ROWS:
        terminalreporter.section("reliability figures")
        for row in ROWS:
            terminalreporter.write_line(row.line())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        for worker in RUNNING:
            report.sections.append((f"worker {worker.name} log", worker.log()[-20_000:]))
    return report


@pytest.fixture(scope="session")
def run_dir() -> Path:
    path: Path = _state["root"]
    return path


@pytest.fixture(scope="session")
def app() -> Celery:
    from tasks import app as platform_app

    platform_app.loader.import_default_modules()
    # Like a worker or beat at start-up: finalizing loads beat_schedule.py into the conf.
    platform_app.finalize(auto=True)
    return platform_app


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[Celery]:
    """A client on a Redis broker of its own, so no worker takes the test's messages."""
    server = services.RedisServer(tmp_path / "redis").start()
    yield client_app(broker_url=server.url)
    server.stop()


def worker_env(**overrides: str) -> dict[str, str]:
    """The environment of a worker subprocess: this session's settings plus overrides."""
    env = dict(os.environ)
    env.update(overrides)
    return env


@pytest.fixture(scope="session")
def worker(app: Celery, run_dir: Path) -> Iterator[WorkerProcess]:
    """One worker on every queue, shared by the tests that only need one running."""
    process = WorkerProcess(env=worker_env(), log_path=run_dir / "workers" / "session.log")
    process.start(app)
    _state["session_worker"] = process
    yield process
    del _state["session_worker"]
    process.stop()
    RUNNING.remove(process)


def pause_session_worker(app: Celery) -> Callable[[], None]:
    """Stop the shared worker consuming while a test's own worker runs; returns the resume call."""
    session: WorkerProcess | None = _state.get("session_worker")
    if session is None:
        return lambda: None
    queues = [queue.name for queue in app.conf.task_queues]
    for queue in queues:
        app.control.cancel_consumer(queue, destination=[session.name], reply=True, timeout=5)

    def resume() -> None:
        for queue in queues:
            app.control.add_consumer(queue, destination=[session.name], reply=True, timeout=5)

    return resume


@pytest.fixture
def session_worker_paused(app: Celery) -> Iterator[None]:
    """The shared worker (if one runs) consumes nothing while the test counts what it queued."""
    resume = pause_session_worker(app)
    yield
    resume()


@pytest.fixture
def start_worker(app: Celery, run_dir: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Factory: a worker with its own settings; stopped when the test ends.

    While it runs, the shared `worker` (if any) consumes nothing, so every task of the
    test, and every task those tasks enqueue, runs with the test's settings.
    """
    started: list[WorkerProcess] = []
    resumes: list[Callable[[], None]] = []

    def start(*, client: Celery | None = None, env: dict[str, str] | None = None, **options: Any) -> WorkerProcess:
        if not resumes:
            resumes.append(pause_session_worker(app))
        name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        process = WorkerProcess(
            env=worker_env(**(env or {})), log_path=run_dir / "workers" / f"{name}.log", name=name, **options
        )
        started.append(process)
        return process.start(client or app)

    yield start
    for process in started:
        process.stop()
        if process in RUNNING:
            RUNNING.remove(process)
    if started:
        discard_leftovers(app)
    for resume in resumes:
        resume()


def discard_leftovers(app: Celery) -> None:
    """Drop what a test's workers left behind, so it never runs in a later test.

    Messages requeued at shutdown, retries waiting for their countdown, and the
    unacknowledged messages of a killed worker (which the reaper would restore), and
    what it had parked in its in-flight lists.
    """
    import redis

    app.control.purge()
    broker = redis.Redis.from_url(app.conf.broker_url)
    broker.delete("unacked", "unacked_index")
    parked = broker.zrange("inflight", 0, -1)
    broker.delete("inflight", *parked)
    broker.close()


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """A RabbitMQ virtual host of this session's own (skipped when no RabbitMQ answers)."""
    if not services.amqp_answers():
        pytest.skip("no RabbitMQ answers at 127.0.0.1:5672")
    vhost = services.rabbit_vhost()
    yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    services.drop_rabbit_vhost(vhost)
