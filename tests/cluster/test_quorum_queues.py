"""TASKS_BROKER_QUORUM_QUEUES on the local RabbitMQ: quorum queues declared, tasks run, countdowns delivered."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
from amqp.exceptions import PreconditionFailed  # type: ignore[import-untyped]
from kombu.connection import Connection

import celeryconfig
from tasks.queues import Queue
from tasks.settings import Settings
from tests.harness import services
from tests.harness.clients import client_app
from tests.harness.workers import WorkerProcess


@pytest.fixture
def vhost_url() -> Iterator[tuple[str, str]]:
    """A RabbitMQ virtual host of this test's own, deleted after it."""
    if not services.amqp_answers():
        pytest.fail("no RabbitMQ answers at 127.0.0.1:5672 (apt-get install rabbitmq-server)")
    vhost = services.rabbit_vhost()
    yield vhost, f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    services.drop_rabbit_vhost(vhost)


def queue_types(vhost: str) -> dict[str, str]:
    rabbitmqctl = shutil.which("rabbitmqctl")
    assert rabbitmqctl is not None
    listed = subprocess.run(
        [rabbitmqctl, "list_queues", "-q", "--no-table-headers", "-p", vhost, "name", "type"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return dict(line.split("\t") for line in listed.strip().splitlines())


def test_the_setting_needs_rabbitmq() -> None:
    with pytest.raises(ValueError, match="TASKS_BROKER_QUORUM_QUEUES needs an amqp://"):
        Settings(_env_file=None, broker_quorum_queues=True)  # type: ignore[call-arg]


def test_quorum_queues_run_tasks_and_deliver_countdowns(
    vhost_url: tuple[str, str], start_worker: Callable[..., WorkerProcess]
) -> None:
    vhost, url = vhost_url
    env = {
        "TASKS_BROKER_URL": url,
        "TASKS_BROKER_QUORUM_QUEUES": "true",
        "TASKS_WORKER__EXTRA_TASK_MODULES": "tests.hooks.sample_tasks",
    }
    client = client_app(broker_url=url, broker_quorum_queues=True)
    worker = start_worker(client=client, env=env)

    types = queue_types(vhost)
    done = client.send_task("testing.work", kwargs={"value": 7}).get(timeout=30)
    started = time.monotonic()
    # One transient failure: the retry's countdown (under a second from this session's backoff,
    # rounded up to one) goes through the delayed-delivery queues.
    retried = client.send_task("testing.waits_then_flaky", kwargs={"failures": 1}).get(timeout=60)
    elapsed_s = time.monotonic() - started
    delayed = client.send_task("testing.work", kwargs={"value": 3}, countdown=3)
    assert delayed.get(timeout=60) == 3
    delayed_s = time.monotonic() - started - elapsed_s

    assert {types[queue.value] for queue in Queue} == {"quorum"}
    assert types["celery_delayed_27"] == "quorum"
    assert done == 7
    assert retried == {"runs": 2, "retries": 1, "counted": 1}
    assert elapsed_s >= 1
    assert delayed_s >= 3
    log = worker.log()
    assert "direct exchange" not in log
    assert "Global QoS is disabled" in log


def test_a_classic_declare_of_a_quorum_queue_is_refused(vhost_url: tuple[str, str]) -> None:
    _, url = vhost_url
    queues = celeryconfig.declared_queues(Settings(_env_file=None, broker_url=url, broker_quorum_queues=True))  # type: ignore[call-arg, arg-type]
    with Connection(url) as connection:
        channel = connection.channel()
        for queue in queues:
            queue(channel).declare()
        with pytest.raises(PreconditionFailed, match="x-queue-type"):
            channel.queue_declare(
                Queue.DEFAULT.value, durable=True, auto_delete=False, arguments={"x-queue-type": "classic"}
            )
