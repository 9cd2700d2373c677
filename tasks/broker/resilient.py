"""Kombu's Redis transport, made to survive a Redis outage it sometimes dies of.

The base of the atomic-fetch transport (`tasks.broker.transport`), and the transport of
`rediss://` brokers and of `TASKS_WORKER__ATOMIC_FETCH=false` as it is.

When the connection to Redis breaks, Celery releases it; closing its channel then tries
to put the unacknowledged messages back through a connection that is already gone, and
the `AttributeError` this raises ends the worker ("Unrecoverable error"). Here that
restore is skipped once the connection is gone: the messages stay in Redis's `unacked`
hash, from which the liveness reaper gives them back (`tasks.liveness.reaper`).
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.transport import redis

log = logging.getLogger(__name__)


class QoS(redis.QoS):
    def restore_unacked(self, client: Any = None) -> None:
        if client is None and self.channel.connection.client is None:
            log.info("connection to Redis gone; unacknowledged messages are left to the reaper")
            return
        super().restore_unacked(client)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
