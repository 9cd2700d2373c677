"""A kombu consumer that SIGKILLs itself at one point of the fetch: `python -m ... URL TRANSPORT POINT`.

TRANSPORT is `stock` (kombu's) or `platform` (tasks.broker); POINT is `record`
(the message is popped, QoS.append is next) or `settle` (BLMOVE has parked it).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.messaging import Consumer
from kombu.transport import redis as stock

from tasks.broker import transport as platform


def die(*_: Any, **__: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(url: str, transport: str, point: str) -> None:
    if transport == "stock":
        stock.QoS.append = die  # type: ignore[method-assign]
        transport_cls: Any = stock.Transport
    elif point == "record":
        platform.QoS.append = die  # type: ignore[method-assign]
        transport_cls = platform.Transport
    else:
        platform.Channel._parked = die  # type: ignore[method-assign,assignment]
        transport_cls = platform.Transport
    with Connection(url, transport=transport_cls, transport_options={"fetch_wait_s": 5}) as connection:
        queue = Queue("default", Exchange("default", type="direct"), routing_key="default")
        with Consumer(connection, queues=[queue], callbacks=[lambda body, message: None]):
            print("ready", flush=True)
            connection.drain_events(timeout=30)


if __name__ == "__main__":
    main(*sys.argv[1:4])
