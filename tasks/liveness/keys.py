"""Where worker heartbeats and the delivery tags each live worker holds are kept."""

from __future__ import annotations

from typing import Final

from tasks.redis_client import key

#: Hostnames of workers that have sent a heartbeat (dead ones are pruned by the reaper).
WORKERS: Final = key("liveness", "workers")
#: The reaper's mutex: one reaper at a time across all hosts.
REAPER_LOCK: Final = key("liveness", "reaper")
#: Delivery tags held by no live worker, with when a reaper first saw them so (Unix time).
SUSPECTS: Final = key("liveness", "suspects")


def heartbeat_key(worker: str) -> str:
    """Exists (with a TTL) while the worker is alive; holds its last beat's time."""
    return key("liveness", "heartbeat", worker)


def held_key(worker: str) -> str:
    """The broker delivery tags the worker holds unacknowledged; expires with the heartbeat."""
    return key("liveness", "held", worker)
