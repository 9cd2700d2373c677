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
from tasks.settings import MetricsSettings, Settings

COMPOSE = Path(__file__).resolve().parent.parent / "compose.yaml"
PLATFORM_COMMANDS = {"worker", "beat", "flower", "console", "metrics"}
ROOT = COMPOSE.parent
#: The services of the `observability` profile, off in a plain `docker compose up`.
OBSERVABILITY = {"prometheus", "grafana"}
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

    assert {"redis", "dynamodb", "chroma", "beat", "flower", "console", "metrics"} <= set(services)
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


def test_one_metrics_service_serves_the_cluster_wide_series(services: dict[str, dict[str, Any]]) -> None:
    exporters = [name for name, svc in platform_services(services).items() if command_of(svc)[3] == "metrics"]
    metrics = services["metrics"]

    assert exporters == ["metrics"]
    assert command_of(metrics)[3:] == ["metrics", "serve"]
    assert "deploy" not in metrics, "one exporter: replicas would serve every series twice"
    port = metrics["environment"]["TASKS_METRICS__EXPORTER_PORT"]
    assert f"{port}:{port}" in metrics["ports"]
    assert f"127.0.0.1:{port}/metrics" in " ".join(metrics["healthcheck"]["test"])


def test_the_observability_profile_runs_prometheus_and_grafana_on_the_repositorys_files(
    services: dict[str, dict[str, Any]],
) -> None:
    profiled = {name for name, svc in services.items() if "observability" in svc.get("profiles", [])}
    prometheus, grafana = services["prometheus"], services["grafana"]
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    datasource = yaml.safe_load(
        (ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )

    assert profiled == OBSERVABILITY
    assert all(not svc.get("profiles") for name, svc in services.items() if name not in OBSERVABILITY)
    for service in (prometheus, grafana):
        for volume in service["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source
    assert "./deploy/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in command_of(prometheus)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    port = services["metrics"]["environment"]["TASKS_METRICS__EXPORTER_PORT"]
    assert jobs["tasks"]["static_configs"] == [{"targets": [f"metrics:{port}"]}]
    workers = {name for name, svc in platform_services(services).items() if command_of(svc)[3] == "worker"}
    assert set(jobs["tasks-workers"]["dns_sd_configs"][0]["names"]) == workers
    assert jobs["tasks-workers"]["dns_sd_configs"][0]["port"] == MetricsSettings.model_fields["port"].default
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"
    assert "prometheus" in grafana["depends_on"] and "metrics" in prometheus["depends_on"]
    assert "GF_SECURITY_ADMIN_PASSWORD" in grafana["environment"]
    assert "exit 1" in " ".join(grafana["entrypoint"]), "Grafana refuses to start on its default password"
