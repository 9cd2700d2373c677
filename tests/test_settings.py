"""Settings: defaults, validation that names the variable, and start-up refusal."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tasks.settings import Settings, describe
from tests.harness.cli import celery


def settings_error(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)  # type: ignore[call-arg]
    return describe(caught.value)


def test_broker_and_backend_default_to_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKS_REDIS_URL", "redis://cache.internal:6380/3")
    monkeypatch.delenv("TASKS_BROKER_URL", raising=False)

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.broker == "redis://cache.internal:6380/3"
    assert settings.backend == "redis://cache.internal:6380/3"


def test_nested_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKS_UPLOAD__MAX_PAGES", "12")
    monkeypatch.setenv("TASKS_GITHUB__REPOSITORIES", "octo/one, octo/two")
    monkeypatch.setenv("TASKS_BROKER_URL", "amqp://guest:guest@rabbit:5672//")

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.upload.max_pages == 12
    assert settings.github.repositories == ["octo/one", "octo/two"]
    assert settings.broker.startswith("amqp://")


def test_repositories_as_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKS_GITHUB__REPOSITORIES", '["octo/one"]')

    assert Settings(_env_file=None).github.repositories == ["octo/one"]  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TASKS_UPLOAD__MAX_PAGES", "many"),
        ("TASKS_ENVIRONMENT", "qa"),
        ("TASKS_BROKER_URL", "http://not-a-broker"),
        ("TASKS_LOG_FORMAT", "xml"),
        ("TASKS_GITHUB__REPOSITORIES", "not a repository"),
        ("TASKS_FLOWER__BASIC_AUTH", "no-colon"),
        ("TASKS_METRICS__PORT", "-1"),
    ],
)
def test_a_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    message = settings_error(monkeypatch, **{variable: value})

    assert variable in message


def test_an_unknown_schedule_entry_lists_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    message = settings_error(monkeypatch, TASKS_SCHEDULE__HEALTH_CHEK="* * * * *")

    assert "TASKS_SCHEDULE__HEALTH_CHEK" in message
    assert "TASKS_SCHEDULE__HEALTH_CHECK" in message


def test_secrets_never_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKS_GITHUB__TOKEN", "ghp_supersecretvalue")

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert "ghp_supersecretvalue" not in repr(settings)
    assert "ghp_supersecretvalue" in settings.secrets()


def test_a_bad_setting_stops_any_celery_command_with_one_message() -> None:
    done = celery("inspect", "ping", env={"TASKS_UPLOAD__MAX_FILE_BYTES": "lots"}, timeout_s=60)

    assert done.returncode != 0
    assert "TASKS_UPLOAD__MAX_FILE_BYTES" in done.stderr
    assert "Traceback" not in done.stderr
