"""The same two task bodies for every system: one Redis INCR, or a 10 ms sleep then the INCR.

Each module here defines `noop` and `io` for one system plus `send(kind)` (one call of
the system's own enqueue API) and `prequeue(kind, count)` (its fastest bulk way).
Modules other than `platform_tasks` import only what the peers' environment has.
"""

from __future__ import annotations

import os

#: The counter the tasks increment and the benchmark watches (prefixed like every platform key).
COUNTER_KEY = "tasks:bench:count"
#: The benchmark's own Redis, for the peers' brokers and the tasks' counter.
REDIS_URL_VARIABLE = "BENCH_REDIS_URL"
IO_SLEEP_S = 0.01


def redis_url() -> str:
    return os.environ[REDIS_URL_VARIABLE]
