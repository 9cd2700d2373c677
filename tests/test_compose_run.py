"""Each compose.yaml service's command line, run as compose would run it, comes up and passes its health check.

No Docker engine runs here, so each service runs as a local process: its `command` and its
`healthcheck`, with its `environment` as compose interpolates it (defaults filled in). What
differs is only where things are: the compose services' addresses become local servers the test
starts (redis-server, moto for DynamoDB, `chroma run`), listening addresses become 127.0.0.1 with
free ports, and the `/data` volume a temporary folder.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness.loopback import moto_server
from tests.harness.services import RedisServer, free_port
from tests.test_compose import COMPOSE, INTERPOLATION, ROOT, long_running
from tests.upload.chroma_server import ChromaServer

#: Values compose would take from `.env`, for the variables compose.yaml requires.
REQUIRED = {
    "TASKS_FLOWER__BASIC_AUTH": "admin:compose-test-secret",
    "TASKS_CONSOLE__BASIC_AUTH": "operator:compose-test-secret",
}
#: How long a service has to pass its health check (compose: interval x retries, and more).
UP_WITHIN_S = 120.0


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = yaml.safe_load(COMPOSE.read_text())["services"]
    return found


@pytest.fixture(scope="module")
def addresses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The compose services' `host:port` and the local servers standing in for them."""
    folder = tmp_path_factory.mktemp("compose-backends")
    redis = RedisServer(folder / "redis").start()
    chroma = ChromaServer(folder / "chroma").start()
    with moto_server() as aws:
        yield {
            "redis:6379": f"127.0.0.1:{redis.port}",
            "dynamodb:8000": aws.split("//")[1],
            "chroma:8000": chroma.url.split("//")[1],
        }
    chroma.stop()
    redis.stop()


def interpolate(value: Any) -> str:
    return INTERPOLATION.sub(lambda m: REQUIRED.get(m["name"], m["default"] or ""), str(value))


def localised(text: str, places: dict[str, str]) -> str:
    for before, after in places.items():
        text = text.replace(before, after)
    return text


def places_for(service: dict[str, Any], addresses: dict[str, str], data: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The text substitutions for this service (backends, `/data`, 0.0.0.0, its published ports
    as the health check names them), and its published ports with the free ports taken instead."""
    ports = {str(published).split(":")[-1]: str(free_port()) for published in service.get("ports", [])}
    places = {**addresses, "/data": str(data), "0.0.0.0": "127.0.0.1"}
    for port, free in ports.items():
        places[f"127.0.0.1:{port}"] = f"127.0.0.1:{free}"
        places[f"'127.0.0.1', {port})"] = f"'127.0.0.1', {free})"
    return places, ports


def run_env(service: dict[str, Any], places: dict[str, str], ports: dict[str, str]) -> dict[str, str]:
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    env["HOSTNAME"] = socket.gethostname()
    for name, raw in service.get("environment", {}).items():
        value = localised(interpolate(raw), places)
        env[name] = ports.get(value, value) if name.endswith("_PORT") else value
    # Not set in compose.yaml: the worker's metrics port, a free one on loopback here.
    env.setdefault("TASKS_METRICS__PORT", str(free_port()))
    env.setdefault("TASKS_METRICS__ADDRESS", "127.0.0.1")
    return env


def command_line(words: list[str], places: dict[str, str], ports: dict[str, str]) -> list[str]:
    line = [localised(word, places) for word in words]
    for index, word in enumerate(line[:-1]):
        if word == "--port":
            line[index + 1] = ports.get(line[index + 1], line[index + 1])
    return line


def health_command(service: dict[str, Any], places: dict[str, str], ports: dict[str, str]) -> list[str]:
    kind, *rest = service["healthcheck"]["test"]
    if kind == "CMD":
        return command_line(rest, places, ports)
    assert kind == "CMD-SHELL"
    # `$$` is compose's escape for a `$` the shell expands.
    return ["sh", "-c", localised(rest[0].replace("$$", "$"), places)]


@pytest.mark.parametrize(
    "name", ["worker", "worker-priority", "worker-uploads", "beat", "flower", "console", "metrics", "webhooks"]
)
def test_the_service_comes_up_healthy(
    name: str, services: dict[str, dict[str, Any]], addresses: dict[str, str], tmp_path: Path
) -> None:
    service = services[name]
    assert name in long_running(services)
    places, ports = places_for(service, addresses, tmp_path / "data")
    env = run_env(service, places, ports)
    (tmp_path / "data").mkdir()
    command = command_line(list(service["command"]), places, ports)
    check = health_command(service, places, ports)
    log = tmp_path / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + UP_WITHIN_S
        while True:
            assert process.poll() is None, f"{command} exited {process.returncode}:\n{log.read_text()[-4000:]}"
            done = subprocess.run(check, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
            if done.returncode == 0:
                break
            assert time.monotonic() < deadline, (
                f"{check} failing: {done.stdout}{done.stderr}\n{log.read_text()[-4000:]}"
            )
            time.sleep(1)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    assert "Traceback" not in log.read_text(), log.read_text()[-4000:]
