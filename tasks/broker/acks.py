"""Acknowledgements written without waiting for Redis's reply.

kombu acknowledges a Redis message with a transaction (`ZREM` and `HDEL` of its tag in
`unacked_index` and `unacked`) and waits for the reply: a round trip in the worker's
consumer, its one busy process, for every task (measured: a third of its time). These
acknowledgements go down a connection of their own on which Redis sends no replies
(`CLIENT REPLY OFF`), so the consumer only writes to a socket. An acknowledgement lost in a
Redis outage leaves the message in `unacked`, from which the reaper or the visibility
timeout delivers it again: the at-least-once delivery a worker killed just after its task
ended already has. A connection Redis closed is noticed before the next write.
"""

from __future__ import annotations

import logging

from redis.connection import AbstractConnection, ConnectionPool
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class ReplylessAcks:
    """One reply-less connection to the broker's Redis, opened on first use."""

    def __init__(self, pool: ConnectionPool, unacked_key: str, unacked_index_key: str) -> None:
        self.pool = pool
        self.unacked_key = unacked_key
        self.unacked_index_key = unacked_index_key
        self._connection: AbstractConnection | None = None

    def ack(self, delivery_tag: str) -> None:
        """Write the acknowledgement; raises a redis error when the connection cannot take it."""
        connection = self._open_connection()
        commands = [("ZREM", self.unacked_index_key, delivery_tag), ("HDEL", self.unacked_key, delivery_tag)]
        try:
            # No health check: its PING would wait for a reply that never comes.
            connection.send_packed_command(connection.pack_commands(commands), check_health=False)
        except Exception:
            self.close()
            raise

    def _open_connection(self) -> AbstractConnection:
        """The connection, opened again when Redis closed it (a restart, its idle `timeout`).

        A write to a socket Redis has closed succeeds and is lost, so the end of the stream
        (or anything else to read: nothing is ever sent) is looked for before each write.
        """
        if self._connection is not None:
            try:
                closed = self._connection.can_read(timeout=0)
            except (ConnectionError, OSError, RedisError):
                closed = True
            if closed:
                self.close()
        return self._connection or self._connect()

    def _connect(self) -> AbstractConnection:
        connection: AbstractConnection = self.pool.connection_class(**self.pool.connection_kwargs)
        connection.connect()
        # Redis answers nothing from here on, this command included.
        connection.send_command("CLIENT", "REPLY", "OFF", check_health=False)
        self._connection = connection
        return connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.disconnect()
            self._connection = None
