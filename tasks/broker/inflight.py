"""Requeue the messages parked in the in-flight list of a consumer that died while waiting.

A consumer registers its in-flight list (`INFLIGHT_REGISTRY`, scored by time)
before every BLMOVE and settles what arrives within milliseconds. A list not
registered again for `dead_after_s` plus the longest wait belongs to a consumer
that is dead or frozen: its messages go back to their queue. A frozen consumer
that wakes up finds its message gone and drops it (`SETTLE` returns 0).
"""

from __future__ import annotations

import json
import time
from typing import Any

from tasks.broker import scripts
from tasks.broker.transport import INFLIGHT_REGISTRY, inflight_source


def restore_abandoned(channel: Any, dead_after_s: float) -> list[str]:
    """Requeue the messages of abandoned in-flight lists; returns their task ids ('' when unknown)."""
    broker = channel.client
    cutoff = time.time() - dead_after_s - float(getattr(channel, "fetch_wait_s", 0))
    restore = broker.register_script(scripts.RESTORE)
    task_ids: list[str] = []
    for raw in broker.zrangebyscore(INFLIGHT_REGISTRY, "-inf", cutoff):
        name = _text(raw)
        moved = restore(keys=[name, inflight_source(name), INFLIGHT_REGISTRY], args=[cutoff])
        task_ids += [task_id(payload) for payload in moved]
    return task_ids


def task_id(payload: Any) -> str:
    """The Celery task id in a raw kombu payload, or '' when it has none."""
    try:
        found = json.loads(_text(payload)).get("headers", {}).get("id")
    except (ValueError, TypeError, AttributeError):
        return ""
    return str(found) if found else ""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
