"""Metric writes batched per process and flushed by a background thread in one pipeline.

A task event only adds to in-memory sums (no Redis call on the task's path); every
`flush_interval_s` the sums go out in one pipelined round trip, and a last flush runs
when the process stops. A process killed outright loses at most one interval of counts.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import defaultdict

from tasks.redis_client import get_redis

log = logging.getLogger(__name__)


class MetricsBuffer:
    def __init__(self, interval_s: float):
        self.interval_s = interval_s
        self.lock = threading.Lock()
        #: The process the sums belong to; another pid means this is a forked copy.
        self.pid = -1
        self.stopping = threading.Event()
        self._reset()

    def _reset(self) -> None:
        self.ints: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.floats: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.latest: dict[tuple[str, str], float] = {}
        self.expiries: dict[str, int] = {}

    def incr(self, key: str, field: str, amount: int = 1) -> None:
        with self._owned():
            self.ints[key, field] += amount

    def incr_float(self, key: str, field: str, amount: float) -> None:
        with self._owned():
            self.floats[key, field] += amount

    def set_latest(self, key: str, field: str, value: float) -> None:
        with self._owned():
            self.latest[key, field] = value

    def expire(self, key: str, ttl_s: int) -> None:
        """Give `key` a fresh expiry of `ttl_s` with the next flush."""
        with self._owned():
            self.expiries[key] = ttl_s

    def _owned(self) -> threading.Lock:
        if self.pid != os.getpid():
            self._adopt()
        return self.lock

    def _adopt(self) -> None:
        # A fork copies the parent's lock (perhaps held by its flush thread) and sums, not its thread.
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self._reset()
        self.stopping = threading.Event()
        threading.Thread(target=self._run, name="metrics-flush", daemon=True).start()

    def _run(self) -> None:
        stopping = self.stopping
        while not stopping.wait(self.interval_s):
            self.flush()

    def flush(self) -> None:
        with self.lock:
            ints, floats, latest, expiries = self.ints, self.floats, self.latest, self.expiries
            self._reset()
        if not (ints or floats or latest or expiries):
            return
        pipe = get_redis().pipeline(transaction=False)
        for (key, field), amount in ints.items():
            pipe.hincrby(key, field, amount)
        for (key, field), value in floats.items():
            pipe.hincrbyfloat(key, field, value)
        for (key, field), value in latest.items():
            pipe.hset(key, field, value)
        for key, ttl_s in expiries.items():
            pipe.expire(key, ttl_s)
        try:
            pipe.execute()
        except Exception:
            log.exception("could not write %d metric updates to Redis; they are dropped", len(ints) + len(floats))

    def close(self) -> None:
        """Stop the thread and write what is left (at process shutdown)."""
        self.stopping.set()
        self.flush()
