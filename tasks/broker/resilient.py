"""Kombu's Redis transport, made to survive a Redis outage it sometimes dies of.

The base of the atomic-fetch transport (`tasks.broker.transport`), and the transport of
`rediss://` brokers and of `TASKS_WORKER__ATOMIC_FETCH=false` as it is.

When the connection to Redis breaks, Celery releases it; closing its channel then tries
to put the unacknowledged messages back through a connection that is already gone, and
the `AttributeError` this raises ends the worker ("Unrecoverable error"). Here that
restore is skipped once the connection is gone: the messages stay in Redis's `unacked`
hash, from which the liveness reaper gives them back (`tasks.liveness.reaper`).

Kombu also builds a new `redis.Redis` client, with its table of some 170 reply callbacks, for
every command it sends outside the event loop: every publish, twice for a task and its
`task-sent` event. Here a channel keeps one such client on its connection pool. A client on a
pool takes a pool connection per command, so one serves every thread; the event loop's own
client (`Channel.client`, which holds its connection for BRPOP) stays apart.
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

    _commands_client: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)
        # After an outage kombu drops its pool (`_disconnect_pools`): the client follows the pool.
        client = self._commands_client
        if client is None or client.connection_pool is not self.pool:
            client = self._commands_client = super()._create_client()
        return client


class Transport(redis.Transport):
    Channel = Channel
