"""Flower: starts against the broker, answers its API behind basic auth, refuses to run open, shows progress."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from celery import Celery

from tests.harness.services import free_port
from tests.harness.workers import WorkerProcess, wait_for
from tests.upload.fake_openai import FakeOpenAI

AUTH = "admin:flower-test-password"


def start_flower(run_dir: Path, **env: str) -> tuple[subprocess.Popen[str], Path]:
    log = run_dir / f"flower-{free_port()}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks", "flower"],
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    return process, log


@pytest.fixture
def flower(run_dir: Path, worker: WorkerProcess) -> Iterator[str]:
    port = free_port()
    process, log = start_flower(run_dir, TASKS_FLOWER__PORT=str(port), TASKS_FLOWER__BASIC_AUTH=AUTH)
    url = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return httpx.get(f"{url}/healthcheck", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(answering, timeout_s=60, what="Flower answering")
    yield url
    process.terminate()
    process.wait(20)


def test_flower_refuses_requests_without_credentials(flower: str) -> None:
    assert httpx.get(f"{flower}/api/workers", timeout=10).status_code == 401


def test_flower_shows_the_workers_with_credentials(flower: str, worker: WorkerProcess) -> None:
    token = base64.b64encode(AUTH.encode()).decode()
    headers = {"Authorization": f"Basic {token}"}

    def lists_worker() -> bool:
        answer = httpx.get(f"{flower}/api/workers", params={"refresh": "1"}, headers=headers, timeout=15)
        assert answer.status_code == 200
        return worker.name in answer.json()

    wait_for(lists_worker, timeout_s=60, interval_s=1, what="the worker in Flower's API")


def test_flower_shows_tasks_with_their_arguments(flower: str, app: Celery, worker: WorkerProcess) -> None:
    token = base64.b64encode(AUTH.encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    wait_for(
        lambda: httpx.get(f"{flower}/api/workers", headers=headers, timeout=15).status_code == 200, what="Flower's API"
    )
    result = app.send_task("health.check_dependencies")
    result.get(timeout=30)

    def shows_task() -> bool:
        answer = httpx.get(f"{flower}/api/task/info/{result.id}", headers=headers, timeout=15)
        return answer.status_code == 200 and answer.json().get("state") == "SUCCESS"

    wait_for(shows_task, timeout_s=60, interval_s=0.5, what="the task in Flower")


def test_flower_keeps_its_state_under_the_data_dir(flower: str, run_dir: Path) -> None:
    wait_for(lambda: any((run_dir / "var").glob("flower.db*")), what="Flower's database file")


def test_flower_refuses_a_network_address_without_auth(run_dir: Path) -> None:
    process, log = start_flower(run_dir, TASKS_FLOWER__ADDRESS="0.0.0.0", TASKS_FLOWER__PORT=str(free_port()))

    try:
        assert process.wait(60) != 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "TASKS_FLOWER__BASIC_AUTH" in log.read_text()


def test_flower_shows_an_uploads_stage_and_percent_while_it_runs(
    flower: str, app: Celery, start_worker: Callable[..., WorkerProcess]
) -> None:
    from tasks.settings import get_settings
    from tasks.upload import process_document

    token = base64.b64encode(AUTH.encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    embeddings = FakeOpenAI().start()
    try:
        start_worker(
            env={
                "TASKS_UPLOAD__EMBEDDER": "openai",
                "TASKS_UPLOAD__EMBEDDING_URL": embeddings.url,
                "TASKS_UPLOAD__EMBEDDING_MODEL": "fake-embed",
            }
        )
        # The embedding stage lasts while the endpoint holds its answer: long enough to be seen.
        embeddings.embedding_delay_s = 4.0
        folder = get_settings().upload.storage_root / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True)
        (folder / "doc.txt").write_text("Lighthouses guide ships at night.\n\nHarbours shelter boats from storms.")
        result = process_document.apply_async(
            kwargs={"source": str(folder / "doc.txt"), "collection": f"t_{uuid.uuid4().hex[:12]}"}
        )

        def info() -> dict[str, Any]:
            answer = httpx.get(f"{flower}/api/task/info/{result.id}", headers=headers, timeout=15)
            found: dict[str, Any] = answer.json() if answer.status_code == 200 else {}
            return found

        seen: list[str] = []

        def embedding() -> bool:
            shown = info()
            if shown.get("state") == "PROGRESS":
                seen.append(shown["result"])
            return "'stage': 'embedding'" in seen[-1] if seen else False

        wait_for(embedding, timeout_s=60, interval_s=0.2, what="the embedding stage in Flower")
        assert "'progress': 50" in seen[-1], seen
        assert info()["state"] == "PROGRESS"
        backend = httpx.get(f"{flower}/api/task/result/{result.id}", headers=headers, timeout=15).json()
        assert backend["state"] == "PROGRESS"

        outcome = result.get(timeout=60)
        assert outcome["status"] == "completed"
        wait_for(lambda: info().get("state") == "SUCCESS", timeout_s=30, interval_s=0.2, what="SUCCESS in Flower")
        assert "'completed'" in info()["result"]
    finally:
        embeddings.stop()
