"""TASKS_*_TRANSPORT_OPTIONS and TASKS_REDIS_SENTINEL__*: typed, merged into Celery's, secrets masked."""

from __future__ import annotations

import io
import json
import logging

import pytest
from pydantic import ValidationError

import celeryconfig
from tasks.logs import build_handler
from tasks.settings import Settings, describe

SENTINEL_PASSWORD = "sentinel-secret-31f0c2"


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def error(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    with pytest.raises(ValidationError) as caught:
        settings(monkeypatch, **env)
    return describe(caught.value)


def test_options_are_merged_into_celerys_over_the_platforms(monkeypatch: pytest.MonkeyPatch) -> None:
    found = settings(
        monkeypatch,
        TASKS_BROKER_URL="sentinel://:master@127.0.0.1:26379/0",
        TASKS_BROKER_TRANSPORT_OPTIONS=json.dumps(
            {
                "master_name": "mymaster",
                "sentinel_kwargs": {"password": SENTINEL_PASSWORD},
                "visibility_timeout": 50_000,
                "queue_order_strategy": "priority",
            }
        ),
        TASKS_RESULT_BACKEND_TRANSPORT_OPTIONS='{"global_keyprefix": "results:"}',
    )

    conf = celeryconfig.build(found)

    broker = conf["broker_transport_options"]
    assert broker["master_name"] == "mymaster"
    assert broker["sentinel_kwargs"] == {"password": SENTINEL_PASSWORD}
    assert broker["visibility_timeout"] == 50_000
    assert broker["queue_order_strategy"] == "priority"
    assert broker["fanout_prefix"] is True
    assert conf["result_backend_transport_options"]["global_keyprefix"] == "results:"
    assert conf["result_backend_transport_options"]["retry_policy"] == {"max_retries": None}


def test_sentinel_urls_default_to_the_platform_sentinel_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "sentinel://:master@127.0.0.1:26379/2"
    found = settings(
        monkeypatch,
        TASKS_REDIS_URL=url,
        TASKS_REDIS_SENTINEL__MASTER_NAME="platform",
        TASKS_REDIS_SENTINEL__PASSWORD=SENTINEL_PASSWORD,
        TASKS_BROKER_URL=url,
        TASKS_RESULT_BACKEND=url,
    )

    conf = celeryconfig.build(found)

    for name in ("broker_transport_options", "result_backend_transport_options"):
        assert conf[name]["master_name"] == "platform"
        assert conf[name]["sentinel_kwargs"] == {"password": SENTINEL_PASSWORD}
    assert conf["result_backend"] == f"tasks.results:SentinelBackend+{url}"
    assert conf["redbeat_redis_url"] == "redis-sentinel://"
    options = conf["redbeat_redis_options"]
    assert options["sentinels"] == [("127.0.0.1", 26379)]
    assert (options["service_name"], options["db"], options["password"]) == ("platform", 2, "master")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{not json", "TASKS_BROKER_TRANSPORT_OPTIONS: Value error, not valid JSON"),
        ("[1, 2]", "TASKS_BROKER_TRANSPORT_OPTIONS: Value error, expected a JSON object"),
        ('{"visibility_timeout": "long"}', "TASKS_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT"),
        ('{"sentinel_kwargs": {"pasword": "x"}}', "TASKS_BROKER_TRANSPORT_OPTIONS__SENTINEL_KWARGS__PASWORD"),
        ('{"region": {"x": {"y": 1}}, "access_token": "t"}', "access_token: a secret is taken only as"),
    ],
)
def test_a_bad_object_names_the_setting(monkeypatch: pytest.MonkeyPatch, value: str, expected: str) -> None:
    message = error(monkeypatch, TASKS_BROKER_TRANSPORT_OPTIONS=value)

    assert expected in message
    assert '"t"' not in message


def test_a_sentinel_url_without_a_master_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    broker = error(monkeypatch, TASKS_BROKER_URL="sentinel://127.0.0.1:26379/0")
    state = error(monkeypatch, TASKS_REDIS_URL="sentinel://127.0.0.1:26379/0")

    assert "master_name in TASKS_BROKER_TRANSPORT_OPTIONS" in broker
    assert "TASKS_REDIS_SENTINEL__MASTER_NAME" in state


def test_sentinel_passwords_are_masked_in_repr_and_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    found = settings(
        monkeypatch,
        TASKS_BROKER_URL="sentinel://127.0.0.1:26379/0",
        TASKS_BROKER_TRANSPORT_OPTIONS=json.dumps(
            {"master_name": "m", "sentinel_kwargs": {"password": SENTINEL_PASSWORD}}
        ),
        TASKS_REDIS_SENTINEL__PASSWORD="platform-sentinel-secret",
    )
    handler = build_handler("json", found.secrets())
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    record = logging.makeLogRecord(
        {"msg": "options %s", "args": (celeryconfig.build(found)["broker_transport_options"],), "levelno": 20}
    )

    handler.emit(record)

    for secret in (SENTINEL_PASSWORD, "platform-sentinel-secret"):
        assert secret not in repr(found)
        assert secret in found.secrets()
        assert secret not in stream.getvalue()
    assert "sentinel_kwargs" in stream.getvalue()
