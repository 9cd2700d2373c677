"""The README's "Using the CLI against Docker Compose" against compose.yaml (parsed: no Docker engine runs here)."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tasks.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
HEADING = "### Using the CLI against Docker Compose\n"
CELERY_BUILTINS = {"worker", "beat", "inspect", "control", "call", "status", "purge", "result"}
# The container URL setting each published service's override must match.
URL_OF_SERVICE = {
    "redis": "TASKS_REDIS_URL",
    "dynamodb": "TASKS_AWS__ENDPOINT_URL",
    "chroma": "TASKS_UPLOAD__CHROMA_URL",
}


@pytest.fixture(scope="module")
def section() -> str:
    readme = (ROOT / "README.md").read_text()
    assert HEADING in readme
    body = readme.split(HEADING, 1)[1]
    return body.split("\n### ", 1)[0]


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    return found


def blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


def commands(section: str) -> list[list[str]]:
    lines = [line.split("#", 1)[0].strip() for block in blocks(section, "bash") for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line]


def platform_env(services: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The environment every platform service shares (compose.yaml's `x-platform` anchor)."""
    environment: dict[str, str] = yaml.safe_load((ROOT / "compose.yaml").read_text())["x-platform"]["environment"]
    return environment


def test_exec_names_a_platform_service(section: str, services: dict[str, dict[str, Any]]) -> None:
    execs = [argv for argv in commands(section) if argv[:3] == ["docker", "compose", "exec"]]

    assert execs
    for argv in execs:
        rest = [word for word in argv[3:] if word != "-T"]
        service, command = rest[0], rest[1:4]
        assert command == ["celery", "-A", "tasks"], argv
        assert services[service]["command"][:3] == ["celery", "-A", "tasks"], f"{service} is not a platform service"


def test_every_platform_service_has_the_workers_environment(services: dict[str, dict[str, Any]]) -> None:
    shared = platform_env(services).items()
    platform = [svc for svc in services.values() if svc.get("command", [])[:3] == ["celery", "-A", "tasks"]]

    assert len(platform) >= 6
    for service in platform:
        assert shared <= service["environment"].items()


def test_every_sub_command_exists(section: str) -> None:
    entry_points = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["celery.commands"]
    used = {argv[argv.index("tasks") + 1] for argv in commands(section) if "celery" in argv}

    assert used
    assert used <= set(entry_points) | CELERY_BUILTINS


def test_the_named_ports_are_the_published_ones(section: str, services: dict[str, dict[str, Any]]) -> None:
    published = {name: [str(port).split(":")[0] for port in svc.get("ports", [])] for name, svc in services.items()}

    assert published["console"] == ["5556"] and "127.0.0.1:5556" in section
    assert published["flower"] == ["5555"] and "127.0.0.1:5555" in section
    assert "--port 5557" in section  # a host console must not take the console service's port


def test_the_override_publishes_what_the_services_listen_on(section: str, services: dict[str, dict[str, Any]]) -> None:
    (override,) = (yaml.safe_load(block) for block in blocks(section, "yaml"))
    host_ports: set[str] = {str(port).split(":")[-1] for svc in services.values() for port in svc.get("ports", [])}

    assert set(override["services"]) == set(URL_OF_SERVICE)
    for name, svc in override["services"].items():
        assert name in services
        (mapping,) = svc["ports"]
        address, host_port, container_port = mapping.split(":")
        assert address == "127.0.0.1", "published on loopback only"
        assert int(container_port) == urlsplit(platform_env(services)[URL_OF_SERVICE[name]]).port
        assert host_port not in host_ports, f"{name}'s host port is already published"
        host_ports.add(host_port)


def test_the_host_settings_point_at_the_override(
    section: str, services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    (override,) = (yaml.safe_load(block) for block in blocks(section, "yaml"))
    exported = dict(word.split("=", 1) for argv in commands(section) if argv[0] == "export" for word in argv[1:])

    for name, variable in URL_OF_SERVICE.items():
        host_port = int(override["services"][name]["ports"][0].split(":")[1])
        url = urlsplit(exported[variable])
        assert (url.hostname, url.port) == ("127.0.0.1", host_port), variable
        assert url.path == urlsplit(platform_env(services)[variable]).path, variable
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert exported[variable] == platform_env(services)[variable]
    for name, value in exported.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert {name for name in exported if name.startswith("TASKS_")} == set(URL_OF_SERVICE.values())
    assert str(settings.redis_url) == exported["TASKS_REDIS_URL"]
    assert str(settings.aws.endpoint_url).rstrip("/") == exported["TASKS_AWS__ENDPOINT_URL"]
    assert str(settings.upload.chroma_url).rstrip("/") == exported["TASKS_UPLOAD__CHROMA_URL"]
