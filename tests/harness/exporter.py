"""`celery -A tasks metrics serve` as a subprocess, and reading what a `/metrics` serves."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.harness.services import free_port
from tests.harness.workers import wait_for


@dataclass
class Exporter:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_exporter(log_dir: Path, port: int | None = None, **env: str) -> Iterator[Exporter]:
    """The exporter on 127.0.0.1 (this session's settings plus `env`), answering `/metrics`, stopped on exit."""
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"exporter-{port}.log"
    command = [sys.executable, "-m", "celery", "-A", "tasks", "metrics", "serve", "--address", "127.0.0.1"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )
    exporter = Exporter(f"http://127.0.0.1:{port}/metrics", process, log_path)

    def answering() -> bool:
        assert process.poll() is None, exporter.log()
        try:
            return httpx.get(exporter.url, timeout=10).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(answering, timeout_s=60, interval_s=0.2, what="the exporter answering /metrics")
        yield exporter
    finally:
        process.terminate()
        process.wait(20)


def samples(url: str) -> list[Sample]:
    """Every sample a `/metrics` serves now."""
    answer = httpx.get(url, timeout=30)
    answer.raise_for_status()
    return [sample for family in text_string_to_metric_families(answer.text) for sample in family.samples]


def value(found: list[Sample], name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 when none)."""
    return sum(s.value for s in found if s.name == name and labels.items() <= s.labels.items())
