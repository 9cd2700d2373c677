"""How many workers consume each platform queue, as the workers themselves answer."""

from __future__ import annotations

from typing import Any

from celery import Celery

from tasks.queues import Queue


def queue_consumers(app: Celery, timeout_s: float) -> dict[str, int]:
    """Workers consuming each platform queue; a worker that does not answer within `timeout_s` counts for none.

    Asked of the workers (a broadcast), since a Redis broker keeps no consumer count.
    """
    replies: dict[str, list[dict[str, Any]]] = app.control.inspect(timeout=timeout_s).active_queues() or {}
    counts = {queue.value: 0 for queue in Queue}
    for queues in replies.values():
        for name in {queue.get("name") for queue in queues or ()}:
            if name in counts:
                counts[name] += 1
    return counts
