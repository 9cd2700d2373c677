"""kombu's Redis transport with an atomic fetch: `redis://` brokers use this one.

Every message a consumer takes is, at every instant, in its queue, in the
consumer's in-flight list, or in kombu's `unacked` hash: a worker killed at any
point leaves it where the visibility timeout, shutdown restore or the reaper
(`tasks.liveness`) brings it back. The fetch alternates two steps:

- `TAKE`: one script pops the first waiting messages across the consumer's queue
  keys (kombu's order: priorities, then the fair queue cycle), as many as the prefetch
  limit leaves room for, and records them in `unacked`; under load every fetch is this
  single round trip. A consumer allowed more than one message fetches again only once
  half its prefetch limit is free, so under load one round trip brings several.
- when nothing waits: BLMOVE blocks on one queue's priority-0 key (in turn) for at most
  `fetch_wait_s`, parking what arrives in `inflight:{consumer}:{key}`, and
  `SETTLE` moves it from there into `unacked`. A message arriving on another key
  meanwhile is taken by the next `TAKE`, so idle latency is at most `fetch_wait_s`.
"""

from __future__ import annotations

import logging
import time
import uuid
from time import monotonic
from typing import Any, Final

from kombu.transport import redis as stock
from kombu.transport import virtual
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import loads

from tasks.broker import resilient, scripts
from tasks.broker.acks import ReplylessAcks

log = logging.getLogger(__name__)

#: Registry of in-flight lists: list name -> when its consumer last blocked on it (Unix time).
INFLIGHT_REGISTRY: Final = "inflight"
#: In-flight lists are named `inflight:{consumer}:{source queue key}`.
INFLIGHT_PREFIX: Final = "inflight:"


def inflight_key(consumer: str, source: str) -> str:
    return f"{INFLIGHT_PREFIX}{consumer}:{source}"


def inflight_source(name: str) -> str:
    """The queue key an in-flight list's messages came from."""
    return name[len(INFLIGHT_PREFIX) :].split(":", 1)[1]


class QoS(resilient.QoS):
    """Writes `unacked` only for messages the fetch scripts have not already recorded."""

    channel: Channel

    def append(self, message: Any, delivery_tag: str) -> None:
        if delivery_tag in self.channel.recorded:
            virtual.QoS.append(self, message, delivery_tag)
        else:
            super().append(message, delivery_tag)

    def held(self) -> int:
        return len(self._delivered) - len(self._dirty)

    def can_consume(self) -> bool:
        # Refill in batches: a fetch per freed slot is a round trip per task in the consumer.
        if not self.prefetch_count:
            return True
        held = self.held()
        return held == 0 or self.prefetch_count - held >= max(1, self.prefetch_count // 2)

    def room(self) -> int:
        """How many messages the next fetch may take."""
        return max(1, self.prefetch_count - self.held()) if self.prefetch_count else 1

    def ack(self, delivery_tag: str) -> None:
        try:
            self.channel.acks.ack(delivery_tag)
        except self.channel.connection_errors as error:
            log.debug("acknowledgement without reply failed (%r); acknowledging with one", error)
            super().ack(delivery_tag)
            return
        virtual.QoS.ack(self, delivery_tag)


class Channel(resilient.Channel):
    QoS = QoS

    #: Longest BLMOVE wait on one queue key, seconds (transport option `fetch_wait_s`).
    fetch_wait_s: float = 0.25
    # kombu's untyped defaults make mypy infer their literal types; these three assignments are kombu's own.
    from_transport_options = (*stock.Channel.from_transport_options, "fetch_wait_s")  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.global_keyprefix:
            raise ValueError("broker transport option global_keyprefix is not supported by the platform transport")
        self.consumer_id = uuid.uuid4().hex
        #: Tags recorded in `unacked` by a script, between the fetch and QoS.append.
        self.recorded: set[str] = set()
        self.noack_queues: set[str] = set()
        #: The queue key of the pending BLMOVE, None while a TAKE is pending.
        self._waiting_on: str | None = None
        self._block_next = False
        self._block_turn = 0
        self.acks = ReplylessAcks(self.pool, self.unacked_key, self.unacked_index_key)

    def close(self) -> None:
        super().close()
        self.acks.close()

    def basic_consume(self, queue: str, no_ack: bool, *args: Any, **kwargs: Any) -> Any:
        if no_ack:
            self.noack_queues.add(queue)
        else:
            self.noack_queues.discard(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def _flags(self, queues: list[str]) -> list[str]:
        return ["0" if queue in self.noack_queues else "1" for queue in queues]

    def _keys(self, queues: list[str]) -> tuple[list[str], list[str]]:
        """The queue keys in kombu's BRPOP order, with the record flag of each."""
        pairs = [(self._q_for_pri(queue, pri), queue) for pri in self.priority_steps for queue in queues]
        return [key for key, _ in pairs], self._flags([queue for _, queue in pairs])

    def _take_args(self, keys: list[str], flags: list[str], count: int) -> list[Any]:
        return [
            "EVAL",
            scripts.TAKE,
            len(keys) + 2,
            self.unacked_key,
            self.unacked_index_key,
            *keys,
            time.time(),
            count,
            *flags,
        ]

    def _brpop_start(self, timeout: float | None = None) -> None:
        queues = self._queue_cycle.consume(len(self.active_queues))
        if not queues:
            return
        keys, flags = self._keys(queues)
        connection = self.client.connection
        self._in_poll = connection
        self._brpop_sent_at = monotonic()  # type: ignore[assignment]
        if not self._block_next:
            self._waiting_on = None
            connection.send_command(*self._take_args(keys, flags, self.qos.room()))
            return
        # Messages sent without a priority land on the priority-0 keys, which come first.
        source = keys[self._block_turn % len(queues)]
        self._block_turn += 1
        self._waiting_on = source
        parked = inflight_key(self.consumer_id, source)
        # Registered before every wait: the reaper leaves a list alone while its
        # consumer has registered it within the last `dead_after_s` + `fetch_wait_s`.
        # On another connection: a reply pipelined ahead of BLMOVE's would wake the
        # event loop, whose read would then block on BLMOVE, deaf to everything else.
        with self.conn_or_acquire() as client:
            client.zadd(INFLIGHT_REGISTRY, {parked: time.time()})
        connection.send_command("BLMOVE", source, parked, "RIGHT", "LEFT", self.fetch_wait_s)

    def _brpop_read(self, **options: Any) -> bool:
        try:
            connection = self.client.connection
            source = self._waiting_on
            try:
                reply = self.client.parse_response(connection, "EVAL" if source is None else "BLMOVE", **options)
            except self.connection_errors:
                connection.disconnect()
                raise
            return self._taken(reply) if source is None else self._parked(source, reply)
        finally:
            self._in_poll = None  # type: ignore[assignment]
            self._flush_brpop_reauth()

    def _taken(self, reply: Any) -> bool:
        if not reply:
            # Nothing waits: block on a key until something arrives.
            self._block_next = True
            raise virtual.Empty()
        for key, payload in zip(reply[::2], reply[1::2], strict=True):
            self._deliver_from(bytes_to_str(key), payload)
        return True

    def _parked(self, source: str, payload: Any) -> bool:
        # Whatever happens, the next fetch starts with TAKE again.
        self._block_next = False
        if payload is None:
            raise virtual.Empty()
        queue = self._queue_of(source)
        record = "0" if queue in self.noack_queues else "1"
        settled = self.client.eval(
            scripts.SETTLE,
            3,
            inflight_key(self.consumer_id, source),
            self.unacked_key,
            self.unacked_index_key,
            payload,
            time.time(),
            record,
        )
        if not settled:
            # The reaper took this consumer for dead and requeued the message.
            raise virtual.Empty()
        self._deliver_from(source, payload, recorded=record == "1")
        return True

    def _queue_of(self, key: str) -> str:
        return key.rsplit(self.sep, 1)[0]

    def _deliver_from(self, key: str, payload: Any, recorded: bool | None = None) -> None:
        queue = self._queue_of(key)
        message = loads(bytes_to_str(payload))
        if recorded is None:
            recorded = queue not in self.noack_queues
        tag = str(message.get("properties", {}).get("delivery_tag")) if isinstance(message, dict) else ""
        self._queue_cycle.rotate(queue)
        if recorded:
            self.recorded.add(tag)
        try:
            self.connection._deliver(message, queue)
        finally:
            self.recorded.discard(tag)

    def basic_get(self, queue: str, no_ack: bool = False, **kwargs: Any) -> Any:
        keys = [self._q_for_pri(queue, pri) for pri in self.priority_steps]
        flags = ["0" if no_ack else "1"] * len(keys)
        with self.conn_or_acquire() as client:
            reply = client.execute_command(*self._take_args(keys, flags, 1))
            self._maybe_update_queues_expire(client, queue)
        if not reply:
            return None
        message = self.Message(loads(bytes_to_str(reply[1])), channel=self)
        if not no_ack:
            self.recorded.add(message.delivery_tag)
            try:
                self.qos.append(message, message.delivery_tag)
            finally:
                self.recorded.discard(message.delivery_tag)
        return message


class Transport(resilient.Transport):
    Channel = Channel
