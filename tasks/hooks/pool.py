"""The pool hook: counts the pool processes a worker starts, recycles and loses.

Celery's `worker_process_shutdown` runs inside the exiting process, so it never fires
for one killed by a signal (the main process's SIGKILL of a process that did not report
ready in time, the kernel's OOM killer). The main process notices every exit when it
reaps its children; the hook wraps that reaping step of the worker's own pool.
"""

from __future__ import annotations

import logging
from typing import Any

from tasks.core.events import Hook
from tasks.metrics import pool

log = logging.getLogger(__name__)


class PoolHook(Hook):
    name = "pool"

    def __init__(self) -> None:
        self.hostname: str | None = None

    def pool_ready(self, *, pool_processes: Any, hostname: str) -> None:
        if pool_processes is None or not hasattr(pool_processes, "_join_exited_workers"):
            return
        self.hostname = hostname
        pool.started(hostname, len(pool_processes._pool))
        watch_exits(pool_processes, hostname)

    def process_created(self) -> None:
        if self.hostname is not None:
            pool.started(self.hostname)


def watch_exits(pool_processes: Any, hostname: str) -> None:
    """Record the exit codes the pool's reaper returns (billiard's `_join_exited_workers`)."""
    reap = pool_processes._join_exited_workers

    def join_exited_workers(*args: Any, **kwargs: Any) -> Any:
        exitcodes = reap(*args, **kwargs)
        if exitcodes and not kwargs.get("shutdown", args[0] if args else False):
            # billiard logs each abnormal exit itself; this only counts them.
            try:
                pool.exited(hostname, exitcodes)
            except Exception:
                log.exception("recording pool process exits failed")
        return exitcodes

    pool_processes._join_exited_workers = join_exited_workers
