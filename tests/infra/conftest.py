"""DynamoDB through moto's server mode over HTTP, a fault-injecting proxy, and infra workers."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from tests.harness.loopback import moto_server
from tests.harness.workers import WorkerProcess
from tests.infra.fakes import AwsProxy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: Dummy credentials: moto accepts any; the proxy can be told to refuse some.
ACCESS_KEY_ID = "AKIDTESTING"
SECRET_ACCESS_KEY = "testing-secret"
REGION = "us-east-1"
#: The sample set's tables in the `test` environment.
SAMPLE_TABLES = ["test-users", "test-sessions"]


def aws_env(endpoint: str, **overrides: str) -> dict[str, str]:
    """A worker's environment for DynamoDB at `endpoint`; boto3 reads the AWS_* variables."""
    env = {
        "TASKS_AWS__ENDPOINT_URL": endpoint,
        "TASKS_AWS__REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    }
    env.update(overrides)
    return env


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture(scope="session")
def aws_proxy(moto_url: str) -> Iterator[AwsProxy]:
    proxy = AwsProxy(moto_url).start()
    yield proxy
    proxy.stop()


@pytest.fixture(autouse=True)
def clean_infra_state(moto_url: str, aws_proxy: AwsProxy) -> Iterator[None]:
    """Every test starts with an empty DynamoDB, a well-behaved proxy and no infra records."""
    from tasks.redis_client import get_redis, key

    request = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    aws_proxy.reset()
    client = get_redis()
    for name in client.scan_iter(match=key("infra", "*")):
        client.delete(name)
    yield
    aws_proxy.reset()


@pytest.fixture
def dynamodb(moto_url: str) -> DynamoDBClient:
    """A client straight to moto, for changes made out of band and for looking."""
    return boto3.session.Session().client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


@pytest.fixture
def infra_worker(start_worker: Callable[..., WorkerProcess], moto_url: str) -> Callable[..., WorkerProcess]:
    """Factory: a worker on every queue talking to moto (or to `endpoint`), with extra env."""

    def start(endpoint: str | None = None, concurrency: int = 2, **env: str) -> WorkerProcess:
        return start_worker(env=aws_env(endpoint or moto_url, **env), concurrency=concurrency)

    return start


def table_names(client: DynamoDBClient) -> list[str]:
    return sorted(client.list_tables()["TableNames"])


def events(environment: str, run_id: str | None = None) -> list[dict[str, Any]]:
    """The environment's transitions, oldest first (only `run_id`'s when given)."""
    from tasks.infra.status import events_key
    from tasks.redis_client import get_redis

    entries: Any = get_redis().xrange(events_key(environment))
    found = [dict(fields) for _, fields in entries]
    return [event for event in found if run_id is None or event["run_id"] == run_id]
