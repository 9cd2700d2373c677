"""A Redis of the test's own, to stop and to use as an empty broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.services import RedisServer


@pytest.fixture
def private_redis(run_dir: Path, request: pytest.FixtureRequest) -> Iterator[RedisServer]:
    server = RedisServer(run_dir / f"redis-{request.node.name}").start()
    yield server
    server.stop()
