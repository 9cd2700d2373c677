"""Client publish rate: the platform's `.delay()` against plain Celery's, and `tasks.enqueue_many`.

    .venv/bin/python bench/enqueue.py [--delays 2000] [--batch 10000] [--repetitions 5] [--profile]

Against a redis-server of its own. Plain Celery is a bare `Celery()` app on the same broker
with Celery's default settings and the same (empty) task body. Runs alternate within each
repetition; prints every run, the medians and the ratios. `--profile` instead prints a
cProfile of 2000 platform `.delay()` calls and the Redis commands a `.delay()` sends (MONITOR),
the platform's and plain Celery's.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import redis
from celery import Celery

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.harness import services

WARM_UP = 50


def plain_app(url: str) -> Celery:
    plain = Celery("plain", broker=url, set_as_current=False)

    @plain.task(name="plain.noop", shared=False)
    def noop() -> None:
        """The same empty body as the platform's test task."""

    return plain


def delay_rate(task: Any, count: int, flush: Callable[[], None]) -> float:
    """`.delay()` calls per second, the results kept until the end as an application would."""
    for _ in range(WARM_UP):
        task.delay()
    flush()
    start = time.perf_counter()
    results = [task.delay() for _ in range(count)]
    elapsed_s = time.perf_counter() - start
    del results
    flush()
    return count / elapsed_s


def batch_rate(task: Any, count: int, flush: Callable[[], None]) -> float:
    import tasks

    tasks.enqueue_many([task.s() for _ in range(WARM_UP)])
    flush()
    signatures = [task.s() for _ in range(count)]
    start = time.perf_counter()
    tasks.enqueue_many(signatures)
    elapsed_s = time.perf_counter() - start
    flush()
    return count / elapsed_s


def profile(task: Any, plain: Any, url: str) -> None:
    for _ in range(WARM_UP):
        task.delay()
    profiler = cProfile.Profile()
    profiler.enable()
    results = [task.delay() for _ in range(2000)]
    profiler.disable()
    del results
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    for _ in range(WARM_UP):
        plain.delay()
    for label, one in (("platform", task), ("plain Celery", plain)):
        print(f"Redis commands of 5 {label} .delay() calls (MONITOR):")
        for command, count in sorted(monitor(url, partial(delay_five, one)).items()):
            print(f"  {command:12} {count / 5:.1f} per call")


def delay_five(task: Any) -> None:
    for _ in range(5):
        task.delay()


def monitor(url: str, action: Callable[[], object]) -> Counter[str]:
    """Commands Redis received while `action` ran, by name."""
    seen: Counter[str] = Counter()
    ready, done = threading.Event(), threading.Event()

    def watch() -> None:
        with redis.Redis.from_url(url).monitor() as stream:
            ready.set()
            for line in stream.listen():
                command = str(line["command"])
                if command == "PING MONITOR-END":
                    break
                seen[command.split(" ", 1)[0].upper()] += 1
        done.set()

    # Connected before the sample, so its handshake is not counted.
    marker = redis.Redis.from_url(url)
    marker.ping()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ready.wait(5)
    time.sleep(0.2)
    action()
    marker.execute_command("PING", "MONITOR-END")
    done.wait(5)
    marker.close()
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delays", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="enqueue-bench-"))
    server = services.RedisServer(folder / "redis").start()
    os.environ.clear()
    os.environ.update(services.platform_env(folder, server.url))
    from tests.hooks.sample_tasks import noop

    plain = plain_app(server.url).tasks["plain.noop"]
    admin = redis.Redis.from_url(server.url)

    def flush() -> None:
        admin.flushdb()

    try:
        if options.profile:
            profile(noop, plain, server.url)
            return
        import tasks

        has_batch = hasattr(tasks, "enqueue_many")
        runs: dict[str, Callable[[], float]] = {
            "platform .delay()": lambda: delay_rate(noop, options.delays, flush),
            "plain Celery .delay()": lambda: delay_rate(plain, options.delays, flush),
        }
        if has_batch:
            runs[f"platform enqueue_many({options.batch})"] = lambda: batch_rate(noop, options.batch, flush)
        rates: dict[str, list[float]] = {label: [] for label in runs}
        for repetition in range(options.repetitions):
            order = list(runs) if repetition % 2 == 0 else list(reversed(runs))
            for label in order:
                rate = runs[label]()
                rates[label].append(rate)
                print(f"run {repetition + 1} {label:32} {rate:10.0f} tasks/s", flush=True)
    finally:
        admin.close()
        server.stop()
    medians = {label: statistics.median(values) for label, values in rates.items()}
    plain_rate = medians["plain Celery .delay()"]
    print(f"\n{'':32} {'median tasks/s':>15} {'x plain .delay()':>17}")
    for label, rate in medians.items():
        print(f"{label:32} {rate:15.0f} {rate / plain_rate:17.2f}")


if __name__ == "__main__":
    main()
