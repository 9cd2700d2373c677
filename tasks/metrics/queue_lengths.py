"""Queue lengths read from the broker (Redis lists or RabbitMQ queues alike)."""

from __future__ import annotations

import logging

from celery import Celery

from tasks.queues import Queue

log = logging.getLogger(__name__)


def queue_lengths(app: Celery) -> dict[str, int]:
    """Messages waiting in each platform queue; a queue the broker does not know holds none."""
    lengths: dict[str, int] = {}
    with app.connection_for_read() as connection:
        for queue in Queue:
            # A passive declare of a missing AMQP queue closes its channel: one channel per queue.
            channel = connection.channel()
            try:
                lengths[queue.value] = int(channel.queue_declare(queue=queue.value, passive=True).message_count)
            except connection.channel_errors:
                # Redis has no empty lists, and a missing queue is an empty one.
                lengths[queue.value] = 0
            finally:
                _close(channel)
    return lengths


def _close(channel: object) -> None:
    try:
        channel.close()  # type: ignore[attr-defined]
    except Exception as error:
        log.debug("closing a channel failed: %s", error)
