"""Fixtures of the pull-request tests: a fake GitHub per test, workers pointed at it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from celery import Celery

from tests.github.fake_github import FakeGitHub, FakeRepo
from tests.harness.workers import WorkerProcess
from tests.upload.fake_openai import FakeOpenAI

if TYPE_CHECKING:
    from tasks.github.client import GitHubClient

TOKEN = "ghp-test-token-0123456789"


@pytest.fixture
def repo_name() -> str:
    """A repository name of the test's own: work left over by an earlier test never touches it."""
    return f"acme/widgets-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def fake(app: Celery) -> Iterator[FakeGitHub]:
    # Follow-up tasks an earlier test left queued must not reach this test's server.
    app.control.purge()
    server = FakeGitHub(token=TOKEN).start()
    yield server
    server.stop()


def github_env(fake: FakeGitHub, repositories: str = "", **extra: str) -> dict[str, str]:
    env = {
        "TASKS_GITHUB__API_URL": fake.url,
        "TASKS_GITHUB__TOKEN": TOKEN,
        "TASKS_GITHUB__REPOSITORIES": repositories,
        "TASKS_GITHUB__REQUEST_TIMEOUT_S": "5",
    }
    env.update(extra)
    return env


@pytest.fixture
def github_worker(fake: FakeGitHub, start_worker: Callable[..., WorkerProcess]) -> Callable[..., WorkerProcess]:
    """Factory: a worker on every queue whose GitHub is the fake, with extra settings."""

    def start(repositories: str = "", **extra: str) -> WorkerProcess:
        return start_worker(env=github_env(fake, repositories, **extra))

    return start


@pytest.fixture
def client(fake: FakeGitHub) -> Iterator[GitHubClient]:
    """A GitHub client of the test process on the fake server."""
    from tasks.github import ratelimit
    from tasks.github.auth import TokenCredentials
    from tasks.github.client import GitHubClient
    from tasks.redis_client import get_redis

    github = GitHubClient(fake.url, TokenCredentials(TOKEN), timeout_s=5)
    yield github
    github.close()
    # A limit announced here must not hold back the workers of later tests.
    get_redis().delete(ratelimit.blocked_key())


@pytest.fixture
def model() -> Iterator[FakeOpenAI]:
    """An OpenAI-compatible chat endpoint whose replies the test sets (`chat_reply`)."""
    server = FakeOpenAI(chat_reply="").start()
    yield server
    server.stop()


def analyse(repository: str, check_run_id: int) -> dict[str, Any]:
    """`pr.analyze_check_failure` through the worker; its result."""
    from tasks.github.tasks import analyze_check_failure

    result: dict[str, Any] = analyze_check_failure.delay(repository=repository, check_run_id=check_run_id).get(
        timeout=30
    )
    return result


def the_comment(repo: FakeRepo) -> str:
    """The body of the pull request's one comment (the platform's summary)."""
    (comment,) = repo.comments.values()
    return str(comment["body"])
