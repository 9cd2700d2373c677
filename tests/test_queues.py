"""Every contract task name routes to its queue; a worker with no -Q consumes all six."""

from __future__ import annotations

import pytest
from celery import Celery

from tasks.queues import Queue, queue_for
from tests.harness.workers import WorkerProcess

CONTRACT_ROUTES = {
    "uploads.process_document": "uploads",
    "pr.monitor_all": "pr",
    "pr.monitor_repository": "pr",
    "pr.check_pull_request": "pr",
    "pr.handle_webhook": "pr",
    "pr.analyze_check_failure": "pr.priority",
    "pr.apply_fix": "pr.priority",
    "infra.ensure_tables": "infra",
    "infra.validate_tables": "infra",
    "infra.delete_tables": "infra",
    "health.check_dependencies": "scheduled",
    "maintenance.recover_stale_documents": "scheduled",
    "maintenance.trim_dead_letters": "scheduled",
    "reports.daily_summary": "scheduled",
    "anything.else": "default",
}


@pytest.mark.parametrize(("name", "queue"), CONTRACT_ROUTES.items())
def test_the_router_sends_each_task_name_to_its_queue(app: Celery, name: str, queue: str) -> None:
    route = app.amqp.router.route({}, name)

    assert route["queue"].name == queue
    assert queue_for(name) == queue


def test_the_six_queues_are_declared(app: Celery) -> None:
    assert {q.name for q in app.conf.task_queues} == {queue.value for queue in Queue}


def test_a_worker_without_q_consumes_every_queue(app: Celery, worker: WorkerProcess) -> None:
    replies = app.control.inspect(destination=[worker.name], timeout=5).active_queues()

    assert {queue["name"] for queue in replies[worker.name]} == {queue.value for queue in Queue}


def test_time_limits_follow_the_queue_family(app: Celery) -> None:
    from tasks.health.tasks import check_dependencies

    assert check_dependencies.soft_time_limit == 300
    assert check_dependencies.time_limit == 360


@pytest.mark.parametrize(
    ("name", "tracked"),
    [
        ("uploads.process_document", True),
        ("infra.ensure_tables", True),
        ("pr.check_pull_request", False),
        ("health.check_dependencies", False),
        ("testing.noop", False),
    ],
)
def test_started_is_stored_only_for_the_long_queues(app: Celery, name: str, tracked: bool) -> None:
    import tests.hooks.sample_tasks  # noqa: F401  (registers testing.noop, a task of the default queue)

    assert app.tasks[name].track_started is tracked
