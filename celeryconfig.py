"""Celery's configuration, rendered from `tasks.settings.Settings`.

Holds no host names or secrets of its own: everything comes from `TASKS_*`.
"""

from __future__ import annotations

import math
from typing import Any

from kombu.entity import Exchange
from kombu.entity import Queue as KombuQueue

from tasks.queues import LIMITS, Queue, longest_hard_limit_s, queue_for
from tasks.redis_client import sentinel_target
from tasks.results import backend_url
from tasks.settings import PUBLISH_RETRY_INTERVAL_S, PublishSettings, Settings, TransportOptions

#: Modules whose tasks every worker registers.
TASK_MODULES = [
    "tasks.health.tasks",
    "tasks.maintenance.tasks",
    "tasks.reports.tasks",
    "tasks.upload.tasks",
    "tasks.infra.tasks",
    "tasks.github.tasks",
]


def route(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **_: Any) -> dict[str, str]:
    """Celery router: every task name to its queue (tasks.queues)."""
    return {"queue": queue_for(name).value}


#: Queues whose tasks run long enough for a `STARTED` state to tell a caller something.
TRACK_STARTED = frozenset({Queue.UPLOADS, Queue.INFRA})


class QueueTaskOptions:
    """Task annotation: the time limits of the task's queue family, and `STARTED` on long queues."""

    def annotate(self, task: Any) -> dict[str, int | bool]:
        queue = queue_for(task.name)
        options: dict[str, int | bool] = {"track_started": queue in TRACK_STARTED}
        if getattr(task, "time_limit", None) is None:
            limits = LIMITS[queue]
            options |= {"soft_time_limit": limits.soft_s, "time_limit": limits.hard_s}
        return options


def transport_for(settings: Settings) -> str | None:
    """The atomic-fetch transport for `redis://` brokers, the outage-proof one for the other Redis
    URLs, kombu's own by scheme for the rest."""
    if settings.worker.atomic_fetch and settings.broker.startswith("redis://"):
        return "tasks.broker.transport:Transport"
    if settings.broker.startswith(("redis://", "rediss://")):
        return "tasks.broker.resilient:Transport"
    return None


def publish_retry_policy(publish: PublishSettings) -> dict[str, float | int]:
    """Kombu's retry policy waiting `retry_for_s` in all between attempts, then raising."""
    return {
        "max_retries": math.ceil(publish.retry_for_s / PUBLISH_RETRY_INTERVAL_S),
        "interval_start": PUBLISH_RETRY_INTERVAL_S,
        "interval_step": PUBLISH_RETRY_INTERVAL_S,
        "interval_max": PUBLISH_RETRY_INTERVAL_S,
    }


def connect_retry_options(publish: PublishSettings) -> dict[str, float | int]:
    """Transport options bounding how long a connection's first channel waits for Redis, as a publish waits.

    Kombu retries that connect for `broker_connection_timeout` only, and a publish does not retry it:
    without these, a client whose first publish falls in an outage gives up after the connect timeout.
    """
    return {
        **publish_retry_policy(publish),
        "connect_retries_timeout": max(publish.retry_for_s, publish.connect_timeout_s),
    }


#: What marks a RabbitMQ queue as a quorum queue.
QUORUM_ARGUMENTS = {"x-queue-type": "quorum"}


def declared_queues(settings: Settings) -> list[KombuQueue]:
    """The platform's queues (tasks.queues), each bound to an exchange of its own name.

    Quorum queues sit behind topic exchanges: Celery's native delayed delivery, which carries
    their countdowns and ETAs, routes through topic bindings and skips direct exchanges.
    """
    if not settings.broker_quorum_queues:
        return [KombuQueue(q.value, Exchange(q.value, type="direct"), routing_key=q.value) for q in Queue]
    return [
        KombuQueue(
            q.value,
            Exchange(q.value, type="topic", durable=True),
            routing_key=q.value,
            durable=True,
            queue_arguments=QUORUM_ARGUMENTS,
        )
        for q in Queue
    ]


def quorum_options(settings: Settings) -> dict[str, Any]:
    """What Celery needs for quorum queues: no global QoS (detected), native delayed delivery."""
    if not settings.broker_quorum_queues:
        return {}
    return {
        # Celery then turns global QoS off (quorum queues refuse it) and starts the delayed
        # delivery bootstep, whose own queues are quorum queues too.
        "worker_detect_quorum_queues": True,
        "broker_native_delayed_delivery_queue_type": "quorum",
        "task_default_queue_type": "quorum",
        "task_default_exchange_type": "topic",
    }


def user_options(settings: Settings, url: str, options: TransportOptions) -> dict[str, Any]:
    """`TASKS_*_TRANSPORT_OPTIONS`; a `sentinel://` URL's master and sentinel password default to
    those of `TASKS_REDIS_SENTINEL__*`."""
    found = options.to_options()
    if url.startswith("sentinel://"):
        sentinel = settings.redis_sentinel
        if sentinel.master_name is not None:
            found.setdefault("master_name", sentinel.master_name)
        if sentinel.password is not None:
            found.setdefault("sentinel_kwargs", sentinel.kwargs().to_options())
    return found


def redbeat_options(settings: Settings) -> dict[str, Any]:
    """RedBeat's `redbeat_redis_url` and `redbeat_redis_options`: the platform's Redis, behind Sentinel or not."""
    target = sentinel_target(settings)
    if target is None:
        return {"redbeat_redis_url": str(settings.redis_url), "redbeat_redis_options": {}}
    return {
        "redbeat_redis_url": "redis-sentinel://",
        "redbeat_redis_options": {
            "sentinels": target.sentinels,
            "service_name": target.master_name,
            "db": target.db,
            "username": target.username,
            "password": target.password,
            "sentinel_kwargs": target.sentinel_kwargs or None,
            "socket_timeout": SENTINEL_SOCKET_TIMEOUT_S,
        },
    }


#: Bound on one call of RedBeat's to a Redis found through Sentinel.
SENTINEL_SOCKET_TIMEOUT_S = 5.0


def build(settings: Settings) -> dict[str, Any]:
    """Celery's settings for these platform settings."""
    visibility_timeout_s = settings.worker.visibility_timeout_s
    if visibility_timeout_s <= longest_hard_limit_s():
        raise ValueError(
            "TASKS_WORKER__VISIBILITY_TIMEOUT_S must be longer than the longest hard time limit "
            f"({longest_hard_limit_s()} s)"
        )
    transport_options = {
        "visibility_timeout": visibility_timeout_s,
        "fanout_prefix": True,
        "fanout_patterns": True,
        "fetch_wait_s": settings.worker.fetch_wait_s,
        "socket_connect_timeout": settings.publish.connect_timeout_s,
        **connect_retry_options(settings.publish),
        **user_options(settings, settings.broker, settings.broker_transport_options),
    }
    return {
        "broker_url": settings.broker,
        "broker_transport": transport_for(settings),
        "result_backend": backend_url(settings.backend),
        "broker_transport_options": transport_options,
        # A worker storing a result waits for Redis however long it is away (its message is
        # acknowledged only after); clients' subscriptions are bounded in tasks.results.
        "result_backend_transport_options": {
            "visibility_timeout": visibility_timeout_s,
            "retry_policy": {"max_retries": None},
            **user_options(settings, settings.backend, settings.result_backend_transport_options),
        },
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "broker_connection_timeout": settings.publish.connect_timeout_s,
        # Bounded: an application's `.delay()` raises kombu's OperationalError after
        # about `retry_for_s` of an unreachable broker, instead of blocking its caller.
        "task_publish_retry": settings.publish.retry_for_s > 0,
        "task_publish_retry_policy": publish_retry_policy(settings.publish),
        "imports": [*TASK_MODULES, *settings.worker.extra_task_modules],
        # JSON only: a pickled message is refused by the worker, which keeps running.
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "event_serializer": "json",
        # At-least-once: a message is acknowledged only after its task has finished.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure": True,
        "task_acks_on_timeout": True,
        "worker_prefetch_multiplier": settings.worker.prefetch_multiplier,
        "worker_max_tasks_per_child": settings.worker.max_tasks_per_child,
        "worker_max_memory_per_child": settings.worker.max_memory_per_child_kb,
        "worker_proc_alive_timeout": settings.worker.proc_alive_timeout_s,
        # Off: a task cancelled on a broker connection loss is reported revoked and, once Redis is
        # back, acknowledged through the connection pool, so its message never ran (measured: 3 of
        # 1,000 lost in a 30 s outage). Left running, it is acknowledged or redelivered: at least once.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_annotations": [QueueTaskOptions()],
        "task_queues": declared_queues(settings),
        "task_default_queue": Queue.DEFAULT.value,
        "task_default_exchange": Queue.DEFAULT.value,
        "task_default_routing_key": Queue.DEFAULT.value,
        "task_create_missing_queues": False,
        "task_routes": (route,),
        # Events for Flower: sent, started and every later state; the worker sends its own in
        # batches (tasks.broker.consumer). STARTED is stored only for long tasks (TRACK_STARTED).
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "worker_consumer": "tasks.broker.consumer:Consumer",
        "worker_event_flush_s": settings.worker.event_flush_s,
        "result_expires": 86_400,
        "result_extended": True,
        "timezone": settings.timezone,
        "enable_utc": True,
        "beat_scheduler": "tasks.schedules.scheduler:Scheduler",
        **redbeat_options(settings),
        "redbeat_key_prefix": "tasks:redbeat:",
        "redbeat_lock_timeout": 25,
        "beat_max_loop_interval": 5,
        **quorum_options(settings),
    }
