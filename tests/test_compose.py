"""compose.yaml against the contract (no Docker engine runs here, so it is parsed and checked)."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tasks.queues import LIMITS, Queue
from tasks.settings import MetricsSettings, Settings, WorkerSettings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "compose.yaml"
PLATFORM_COMMANDS = {"worker", "beat", "flower", "console", "metrics"}
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


def one_shot(services: dict[str, dict[str, Any]]) -> set[str]:
    """Services that run once for another to start (`service_completed_successfully`)."""
    return {
        name
        for service in services.values()
        for name, rule in service.get("depends_on", {}).items()
        if rule["condition"] == "service_completed_successfully"
    }


def long_running(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in services.items() if name not in one_shot(services)}


def test_every_service_has_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    for name, service in long_running(services).items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in one_shot(services):
        assert services[name]["restart"] == "no", name


def duration_s(text: str) -> int:
    """Compose's duration (`1h5m`, `66m`, `30s`) in seconds."""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+)([hms])", text)
    assert "".join(f"{n}{u}" for n, u in parts) == text, text
    return sum(int(n) * units[u] for n, u in parts)


def test_each_worker_waits_out_its_queues_hard_time_limit(services: dict[str, dict[str, Any]]) -> None:
    for name, service in platform_services(services).items():
        command = command_of(service)
        if command[3] != "worker":
            continue
        queues = [Queue(queue) for queue in command[command.index("-Q") + 1].split(",")]
        longest_s = max(LIMITS[queue].hard_s for queue in queues)

        assert duration_s(service["stop_grace_period"]) >= longest_s + 30, name
    assert duration_s(services["worker-uploads"]["stop_grace_period"]) >= 65 * 60


def memory_bytes(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg])", text).groups()  # type: ignore[union-attr]
    return int(number) * {"k": 1024, "m": 1024**2, "g": 1024**3}[unit]


def test_every_service_has_a_memory_limit_above_its_pool(services: dict[str, dict[str, Any]]) -> None:
    for name, service in long_running(services).items():
        assert memory_bytes(service["mem_limit"]) >= 256 * 1024**2, name
    for name, service in platform_services(services).items():
        command = command_of(service)
        if command[3] != "worker":
            continue
        concurrency = int(command[command.index("-c") + 1])
        per_child_kb = int(
            service["environment"].get(
                "TASKS_WORKER__MAX_MEMORY_PER_CHILD_KB", WorkerSettings().max_memory_per_child_kb
            )
        )
        # The pool recycles a process past its bound; the main process and a margin on top.
        assert memory_bytes(service["mem_limit"]) >= concurrency * per_child_kb * 1024 + 512 * 1024**2, name


def test_an_optional_env_file_whose_example_covers_every_variable(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    example = ROOT / ".env.example"
    assigned = dict(
        line.split("=", 1) for line in example.read_text().splitlines() if line and not line.startswith("#")
    )
    interpolated = {match["name"] for match in INTERPOLATION.finditer(COMPOSE.read_text())}

    for name, service in long_running(services).items():
        if "build" in service:
            assert service["env_file"] == [{"path": ".env", "required": False}], name
    assert interpolated <= set(assigned)
    for variable in [v for v in os.environ if v.startswith("TASKS_")]:
        monkeypatch.delenv(variable)
    for variable, value in assigned.items():
        monkeypatch.setenv(variable, value)
    Settings(_env_file=None)  # type: ignore[call-arg]
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


def test_the_dynamodb_volume_is_handed_to_its_user_first(services: dict[str, dict[str, Any]]) -> None:
    dynamodb = services["dynamodb"]
    owner = next(name for name, rule in dynamodb["depends_on"].items() if rule["condition"].endswith("successfully"))
    data = dynamodb["command"][dynamodb["command"].index("-dbPath") + 1]

    assert services[owner]["image"] == dynamodb["image"]
    assert services[owner]["entrypoint"] == ["chown", "-R", "dynamodblocal", data]
    assert services[owner]["volumes"] == dynamodb["volumes"] == [f"dynamodb-data:{data}"]


def test_beat_checks_its_own_loop(services: dict[str, dict[str, Any]]) -> None:
    assert services["beat"]["healthcheck"]["test"] == ["CMD", "celery", "-A", "tasks", "beat-health"]


def test_the_webhook_receiver_is_a_service(services: dict[str, dict[str, Any]]) -> None:
    webhooks = services["webhooks"]

    assert webhooks["command"][:2] == ["uvicorn", "tasks.github.webhooks:app"]
    assert "8080:8080" in webhooks["ports"]
    assert "TASKS_GITHUB__WEBHOOK_SECRET" in webhooks["environment"]


def test_the_image_installs_dependencies_before_the_code() -> None:
    lines = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if line and not line.startswith("#")]
    first_code = next(n for n, line in enumerate(lines) if line.startswith("COPY") and "tasks" in line)
    install = next(n for n, line in enumerate(lines) if "requirements.txt" in line and "pip install" in line)
    copies_before = [line for line in lines[:install] if line.startswith("COPY")]

    assert install < first_code
    assert copies_before == ["COPY constraints.txt pyproject.toml ./"]
    assert "--no-deps" in next(line for line in lines[first_code:] if "pip install" in line)


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
    for name, service in {**platform_services(services), "webhooks": services["webhooks"]}.items():
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


def test_the_image_requirements_are_the_projects(tmp_path: Path) -> None:
    import subprocess
    import sys
    import tomllib

    dockerfile = (ROOT / "Dockerfile").read_text()
    script = re.search(r'python -c "(?P<code>[^"]+)"', dockerfile)
    assert script is not None
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    # As the shell passes it: the text between the double quotes, `\n` kept for Python to read.
    listed = subprocess.run(
        [sys.executable, "-c", script["code"]], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]

    assert listed == project["dependencies"] + extras["embeddings"] + extras["fixers"]
