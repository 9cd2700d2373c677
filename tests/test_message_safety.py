"""Refused formats and unknown task names: logged, never run, the worker keeps running.

Over Redis (the shared worker) and over RabbitMQ (a worker of the test's own).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from celery import Celery
from kombu.connection import Connection
from kombu.entity import Exchange
from kombu.messaging import Producer

from tests.harness.clients import client_app
from tests.harness.workers import WorkerProcess, wait_for

Broker = tuple[Celery, WorkerProcess]


@pytest.fixture(params=["redis", "amqp"])
def broker(request: pytest.FixtureRequest, start_worker: Callable[..., WorkerProcess]) -> Broker:
    if request.param == "redis":
        app: Celery = request.getfixturevalue("app")
        return app, request.getfixturevalue("worker")
    amqp_url: str = request.getfixturevalue("amqp_url")
    client = client_app(broker_url=amqp_url)
    return client, start_worker(client=client, env={"TASKS_BROKER_URL": amqp_url})


def publish(app: Celery, task: str, task_id: str, serializer: str) -> None:
    headers = {"lang": "py", "task": task, "id": task_id, "retries": 0, "argsrepr": "()", "kwargsrepr": "{}"}
    with Connection(app.conf.broker_url) as connection:
        producer = Producer(connection, serializer=serializer)
        producer.publish(
            ((), {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}),
            exchange=Exchange("scheduled", type="direct"),
            routing_key="scheduled",
            headers=headers,
            declare=[],
        )


def test_a_pickled_message_is_refused_and_the_worker_keeps_running(broker: Broker) -> None:
    app, worker = broker
    task_id = str(uuid.uuid4())

    publish(app, "health.check_dependencies", task_id, serializer="pickle")

    wait_for(
        lambda: "ContentDisallowed" in worker.log() or "Refusing to deserialize" in worker.log(),
        what="the refusal in the worker log",
    )
    assert app.AsyncResult(task_id).state == "PENDING"
    assert app.send_task("health.check_dependencies").get(timeout=30)["checks"]["workers"]["status"] == "healthy"


def test_an_unknown_task_name_is_refused_and_the_worker_keeps_running(broker: Broker) -> None:
    app, worker = broker
    task_id = str(uuid.uuid4())

    publish(app, "nobody.knows_me", task_id, serializer="json")

    wait_for(lambda: "nobody.knows_me" in worker.log(), what="the unknown task in the worker log")
    assert "unregistered task" in worker.log().lower()
    assert app.send_task("health.check_dependencies").get(timeout=30)["checks"]["workers"]["status"] == "healthy"
