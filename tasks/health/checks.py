"""One function per dependency; each returns a CheckResult and never raises."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import redis
from celery import Celery

from tasks.core.probe import CheckResult, overall, run_check
from tasks.github.probes import check_github
from tasks.health.workers import check_workers
from tasks.infra.probes import check_dynamodb
from tasks.redaction import redact_text
from tasks.redis_client import connect
from tasks.settings import Settings
from tasks.upload.probes import check_vector_store

#: Bound on each network probe.
PROBE_TIMEOUT_S = 3.0


def check_redis(url: str) -> CheckResult:
    return check_client(
        redis.Redis.from_url(url, socket_timeout=PROBE_TIMEOUT_S, socket_connect_timeout=PROBE_TIMEOUT_S)
    )


def check_client(client: redis.Redis, *, close: bool = True) -> CheckResult:
    try:
        client.ping()
    finally:
        if close:
            client.close()
            # A client behind Sentinel was handed its pool, which close() leaves open.
            client.connection_pool.disconnect()
    return CheckResult("healthy", "PING answered")


def check_broker(app: Celery) -> CheckResult:
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_S)
        transport = connection.transport_cls
    return CheckResult("healthy", f"connected ({transport})")


def check_result_backend(app: Celery, settings: Settings) -> CheckResult:
    url = settings.backend
    if url.startswith(("redis://", "rediss://")):
        return check_redis(url)
    if url.startswith("sentinel://"):
        # The backend's own client asks the sentinels for the master, as a stored result does.
        return check_client(app.backend.client, close=False)
    return CheckResult("unknown", f"no probe for the {type(app.backend).__name__} backend")


def check_all(app: Celery, settings: Settings) -> dict[str, Any]:
    checks: dict[str, Callable[[], CheckResult]] = {
        "redis": lambda: check_client(connect(settings, timeout_s=PROBE_TIMEOUT_S)),
        "broker": lambda: check_broker(app),
        "result_backend": lambda: check_result_backend(app, settings),
        "dynamodb": lambda: check_dynamodb(settings),
        "vector_store": lambda: check_vector_store(settings),
        "github": lambda: check_github(settings),
        "workers": lambda: check_workers(app, settings),
    }
    results = {name: run_check(check) for name, check in checks.items()}
    secrets = settings.secrets()
    for result in results.values():
        result.message = redact_text(result.message, secrets)
    return {
        "status": overall(results),
        "checked_at": datetime.now(UTC).isoformat(),
        "checks": {name: result.as_dict() for name, result in results.items()},
    }
