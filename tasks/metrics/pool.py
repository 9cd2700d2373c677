"""Pool-process starts and exits per worker, as the worker's main process sees them.

A pool process that exits cleanly (recycled after `max_tasks_per_child` or
`max_memory_per_child`) is routine; one killed or crashed is lost: its task, if any,
is redelivered, and a pool that keeps losing processes runs nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import cast

from billiard.pool import EX_OK, EX_RECYCLE

from tasks.metrics import keys
from tasks.redis_client import get_redis, key

#: Exit codes of a pool process that left on its own.
CLEAN_EXITS = frozenset({EX_OK, EX_RECYCLE})
#: Losses kept per worker (the health check reads only a recent window of them).
KEPT_LOSSES = 1000


def losses_key(worker: str) -> str:
    """When each lost pool process of `worker` was noticed: member `<time>:<n>:<exit code>`, score the time."""
    return key("metrics", "pool_losses", worker)


def started(worker: str, count: int = 1) -> None:
    get_redis().hincrby(keys.worker_key(worker), "pool_started", count)


def exited(worker: str, exitcodes: Iterable[int | None]) -> list[int | None]:
    """Record exits seen together; returns the exit codes of the lost ones."""
    codes = list(exitcodes)
    lost = [code for code in codes if code not in CLEAN_EXITS]
    now = time.time()
    pipe = get_redis().pipeline(transaction=False)
    stats = keys.worker_key(worker)
    if len(codes) > len(lost):
        pipe.hincrby(stats, "pool_recycled", len(codes) - len(lost))
    if lost:
        pipe.hincrby(stats, "pool_lost", len(lost))
        pipe.zadd(losses_key(worker), {f"{now:.6f}:{n}:{code}": now for n, code in enumerate(lost)})
        pipe.zremrangebyrank(losses_key(worker), 0, -KEPT_LOSSES - 1)
    pipe.execute()
    return lost


def recent_losses(worker: str, window_s: float) -> list[float]:
    """When the pool processes of `worker` lost in the last `window_s` were noticed, oldest first."""
    since = time.time() - window_s
    found = cast(list[tuple[str, float]], get_redis().zrangebyscore(losses_key(worker), since, "+inf", withscores=True))
    return [score for _, score in found]
