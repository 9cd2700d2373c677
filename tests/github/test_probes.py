"""The `github` health check: the rate-limit budget in the message, `not_configured` without repositories."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import SecretStr

from tasks.github.probes import check_github
from tasks.settings import GitHubSettings, Settings
from tests.github.conftest import TOKEN
from tests.github.fake_github import FakeGitHub
from tests.harness.workers import WorkerProcess


def settings_for(fake: FakeGitHub, **github: object) -> Settings:
    return Settings(github=GitHubSettings(api_url=fake.url, repositories=["acme/widgets"], **github))  # type: ignore[arg-type]


def test_github_check_reports_the_budget(fake: FakeGitHub) -> None:
    healthy = check_github(settings_for(fake, token=SecretStr(TOKEN)))
    fake.rate_remaining = 12
    low = check_github(settings_for(fake, token=SecretStr(TOKEN)))
    no_token = check_github(settings_for(fake))
    nothing = check_github(Settings(github=GitHubSettings()))

    assert healthy.status == "healthy" and "5000/5000 requests left" in healthy.message
    assert low.status == "degraded" and "12/5000" in low.message
    assert no_token.status == "unhealthy" and "TASKS_GITHUB__TOKEN" in no_token.message
    assert nothing.status == "not_configured"
    assert fake.counted() == 0


def test_health_task_includes_github(fake: FakeGitHub, github_worker: Callable[..., WorkerProcess]) -> None:
    from tasks.health.tasks import check_dependencies

    github_worker("acme/widgets")

    check = check_dependencies.delay().get(timeout=60)["checks"]["github"]

    assert check["status"] == "healthy" and "requests left" in check["message"]
    assert fake.recorded("GET", "/rate_limit")
