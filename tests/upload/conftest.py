"""Fixtures of the upload tests: the storage root, unique collections, a moto S3 server."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from celery import Celery

from tests.harness.loopback import moto_server
from tests.harness.workers import WorkerProcess

if TYPE_CHECKING:
    from tasks.settings import Settings


@pytest.fixture
def settings() -> Settings:
    """The settings of this test process: the session's environment, as the platform app reads them."""
    from tasks.settings import get_settings

    return get_settings()


@pytest.fixture
def storage_root(settings: Settings) -> Path:
    root = settings.upload.storage_root
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def collection() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def folder(storage_root: Path) -> Path:
    """A fresh folder inside the storage root."""
    path = storage_root / uuid.uuid4().hex[:12]
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def s3_url() -> Iterator[str]:
    """A moto S3 server over HTTP."""
    with moto_server() as url:
        yield url


@pytest.fixture
def isolated_worker(start_worker: Callable[..., WorkerProcess]) -> Iterator[Callable[..., Celery]]:
    """Factory: a worker with its own settings on a broker of its own (a claimed Redis database),
    so the session's shared worker never takes its tasks; returns the client app to send with."""
    import os

    from tests.harness import services
    from tests.harness.clients import client_app

    claims: list[services.ClaimedDatabase] = []

    def start(env: dict[str, str], concurrency: int = 1) -> Celery:
        base = os.environ["TASKS_REDIS_URL"].rsplit("/", 1)[0]
        claim = services.claim_database(base)
        claims.append(claim)
        client = client_app(broker_url=claim.url, result_backend=claim.url)
        start_worker(
            client=client,
            env={**env, "TASKS_BROKER_URL": claim.url, "TASKS_RESULT_BACKEND": claim.url},
            concurrency=concurrency,
        )
        return client

    yield start
    for claim in claims:
        claim.release()
