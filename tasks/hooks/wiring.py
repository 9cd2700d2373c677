"""The one place hooks are built from the app's settings and connected to Celery's signals."""

from __future__ import annotations

from typing import Any

from billiard.exceptions import TimeLimitExceeded, WorkerLostError
from celery import Celery, signals

from tasks.core import events
from tasks.core.events import Hook, Hooks, emit
from tasks.hooks.argsrepr import RedactionHook
from tasks.hooks.deadletter import DeadLetterHook
from tasks.hooks.liveness import LivenessHook
from tasks.hooks.logcontext import LogContextHook
from tasks.hooks.metrics import MetricsHook
from tasks.hooks.pool import PoolHook
from tasks.settings import Settings


def build(settings: Settings) -> list[Hook]:
    """The hooks for these settings, in the order they run (after-events in reverse: tasks.core.events)."""
    secrets = settings.secrets()
    hooks: list[Hook] = [
        RedactionHook(secrets),
        LogContextHook(),
        LivenessHook(settings.worker),
        # Always on, metrics or not: the health check reads what it counts.
        PoolHook(),
    ]
    if settings.metrics.enabled:
        hooks.append(MetricsHook(settings.metrics, count_dead_letters=settings.dlq.enabled))
    if settings.dlq.enabled:
        hooks.append(DeadLetterHook(settings.dlq, secrets))
    return hooks


def register(app: Celery) -> None:
    """Install the hooks built from `app.settings` and connect every signal they observe.

    Called once by tasks.application, before the app's first message: its message factory
    redacts with the secrets of the same settings.
    """
    if "amqp" in app.__dict__:
        raise RuntimeError("hooks.register(app) must run before the app's first message")
    app.amqp_cls = "tasks.hooks.argsrepr:RedactingAMQP"
    events.install(Hooks(build(app.settings)))
    signals.before_task_publish.connect(_before_publish, weak=False, dispatch_uid="tasks.hooks.publish")
    signals.worker_ready.connect(_worker_ready, weak=False, dispatch_uid="tasks.hooks.ready")
    signals.worker_shutdown.connect(_worker_shutdown, weak=False, dispatch_uid="tasks.hooks.shutdown")
    signals.worker_before_create_process.connect(_process_created, weak=False, dispatch_uid="tasks.hooks.created")
    signals.worker_process_shutdown.connect(_process_shutdown, weak=False, dispatch_uid="tasks.hooks.exit")
    signals.task_received.connect(_received, weak=False, dispatch_uid="tasks.hooks.received")
    signals.task_rejected.connect(_rejected, weak=False, dispatch_uid="tasks.hooks.rejected")
    signals.task_unknown.connect(_unknown, weak=False, dispatch_uid="tasks.hooks.unknown")
    signals.task_prerun.connect(_prerun, weak=False, dispatch_uid="tasks.hooks.prerun")
    signals.task_postrun.connect(_postrun, weak=False, dispatch_uid="tasks.hooks.postrun")
    signals.task_failure.connect(_failure, weak=False, dispatch_uid="tasks.hooks.failure")


def _before_publish(headers: dict[str, Any] | None = None, body: Any = None, **_: Any) -> None:
    if headers is not None:
        emit("before_publish", headers=headers, body=body)


def _worker_ready(sender: Any, **_: Any) -> None:
    emit("worker_ready", app=sender.app, hostname=sender.hostname)
    emit("pool_ready", pool_processes=getattr(sender.pool, "_pool", None), hostname=sender.hostname)


def _process_created(**_: Any) -> None:
    emit("process_created")


def _worker_shutdown(**_: Any) -> None:
    emit("worker_shutdown")


def _process_shutdown(**_: Any) -> None:
    emit("process_shutdown")


def _received(request: Any, **_: Any) -> None:
    emit("received", request=request)


def _rejected(message: Any, exc: BaseException | None = None, **_: Any) -> None:
    emit("rejected", message=message, error=exc)


def _unknown(message: Any, name: str, id: str, **_: Any) -> None:
    emit("unknown", message=message, name=name, task_id=id)


def _prerun(task_id: str, task: Any, **_: Any) -> None:
    emit("prerun", task=task, task_id=task_id)


def _postrun(task_id: str, task: Any, state: str | None = None, **_: Any) -> None:
    emit("postrun", task=task, task_id=task_id, state=state)


def _failure(sender: Any, task_id: str, exception: BaseException, args: Any = (), kwargs: Any = None, **_: Any) -> None:
    if isinstance(exception, TimeLimitExceeded | WorkerLostError):
        # Failures of the main process: reported as `time_limit` and `poisoned`, where the request is known.
        return
    emit("failure", task=sender, task_id=task_id, error=exception, args=args, kwargs=kwargs)
