"""compose.yaml against the contract (no Docker engine runs here, so it is parsed and checked)."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tasks.queues import Queue
from tasks.settings import Settings

COMPOSE = Path(__file__).resolve().parent.parent / "compose.yaml"
PLATFORM_COMMANDS = {"worker", "beat", "flower", "console"}
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::?[-?](?P<default>[^}]*))?\}")


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(COMPOSE.read_text())
    found: dict[str, dict[str, Any]] = document["services"]
    return found


def command_of(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else list(command)


def platform_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in services.items() if command_of(svc)[:3] == ["celery", "-A", "tasks"]}


def test_every_part_of_the_platform_is_a_service(services: dict[str, dict[str, Any]]) -> None:
    commands = {command_of(svc)[3] for svc in platform_services(services).values()}

    assert {"redis", "dynamodb", "chroma", "beat", "flower", "console"} <= set(services)
    assert commands == PLATFORM_COMMANDS


def test_every_service_has_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_redis_keeps_an_append_only_file(services: dict[str, dict[str, Any]]) -> None:
    command = command_of(services["redis"])

    assert command[command.index("--appendonly") + 1] == "yes"


def test_the_workers_consume_every_queue(services: dict[str, dict[str, Any]]) -> None:
    consumed: set[str] = set()
    for service in platform_services(services).values():
        command = command_of(service)
        if command[3] == "worker":
            consumed |= set(command[command.index("-Q") + 1].split(","))

    assert consumed == {queue.value for queue in Queue}


def test_platform_services_wait_for_healthy_dependencies(services: dict[str, dict[str, Any]]) -> None:
    for name, service in platform_services(services).items():
        depends = service.get("depends_on", {})
        assert {"redis", "dynamodb", "chroma"} <= set(depends), name
        assert all(rule["condition"] == "service_healthy" for rule in depends.values()), name


def test_flower_publishes_5555_behind_basic_auth(services: dict[str, dict[str, Any]]) -> None:
    flower = services["flower"]

    assert "5555:5555" in flower["ports"]
    assert "TASKS_FLOWER__BASIC_AUTH" in flower["environment"]


def test_the_console_publishes_5556_behind_basic_auth(services: dict[str, dict[str, Any]]) -> None:
    console = services["console"]

    assert "5556:5556" in console["ports"]
    assert console["environment"]["TASKS_CONSOLE__ADDRESS"] == "0.0.0.0"
    assert ":?" in console["environment"]["TASKS_CONSOLE__BASIC_AUTH"], "compose refuses to start it without one"


def test_configuration_is_only_valid_tasks_variables(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, service in platform_services(services).items():
        for variable in [v for v in service["environment"] if not v.startswith("TASKS_")]:
            assert variable.startswith("AWS_"), f"{name} sets {variable}"
        for variable in [v for v in os.environ if v.startswith("TASKS_")]:
            monkeypatch.delenv(variable)
        for variable, raw in service["environment"].items():
            if variable.startswith("TASKS_"):
                value = INTERPOLATION.sub(lambda m: m.group("default") or "", str(raw))
                if variable in {"TASKS_FLOWER__BASIC_AUTH", "TASKS_CONSOLE__BASIC_AUTH"}:
                    value = "user:password"
                monkeypatch.setenv(variable, value)

        Settings(_env_file=None)  # type: ignore[call-arg]
