"""Pull-request monitoring against the fake GitHub: poll cycles and the priority queue.

    .venv/bin/python bench/pr_monitor.py [--repositories 200] [--pulls 30] [--backlog 2000]

One worker with 2 prefork processes on every queue. Prints, for a cold poll cycle
(`pr.monitor_all` with nothing remembered) and an unchanged second cycle: requests
made, requests that counted against the rate limit (GitHub does not count a 304),
requests refused as rate-limited, and wall time from `pr.monitor_all` to the last
request. Targets: the unchanged cycle costs 0 counted requests and at most one
request per repository. Then the wait of a `pr.apply_fix` sent behind a backlog of
`pr.monitor_repository` tasks (target: it starts within 1 s), three times.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from celery import Celery

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.github.fake_github import FakeGitHub
from tests.harness import services
from tests.harness.workers import WorkerProcess, wait_for

TOKEN = "bench-token"
#: Requests an hour the fake allows in this run (GitHub: 5,000 for a token, up to 15,000 for an app).
RATE_LIMIT = 15_000


def populate(fake: FakeGitHub, repositories: int, pulls: int) -> list[str]:
    names = [f"bench/repo-{index:03d}" for index in range(repositories)]
    for name in names:
        repo = fake.add_repo(name)
        for number in range(1, pulls + 1):
            head = fake.add_pull(repo, number)
            fake.add_check_run(repo, head, "tests", "success")
    return names


def queue_length(app: Celery, queue: str) -> int:
    with app.connection_for_write() as connection:
        return int(connection.default_channel.client.llen(queue))


def cycle(app: Celery, fake: FakeGitHub, expected_requests: int, label: str) -> None:
    from tasks.github.tasks import monitor_all

    fake.clear()
    start = time.time()
    monitor_all.delay().get(timeout=120)
    wait_for(lambda: len(fake.requests) >= expected_requests, timeout_s=900, interval_s=0.2, what=f"{label} requests")
    wait_for(lambda: queue_length(app, "pr") == 0, timeout_s=120, what=f"{label} queue drained")
    time.sleep(1.0)  # anything more than expected would show up here
    requests = fake.recorded()
    refused = sum(1 for r in requests if r.status in (403, 429))
    wall_s = max(r.at for r in requests) - start
    print(
        f"{label:15} {len(requests):6d} requests ({len(requests) / len(fake.repos):.2f} per repository), "
        f"{fake.counted():6d} counted against the rate limit, {refused} rate-limited, wall {wall_s:6.1f} s",
        flush=True,
    )


def priority_wait(app: Celery, worker: WorkerProcess, repositories: list[str], backlog: int) -> tuple[float, int]:
    """Seconds from sending `pr.apply_fix` to its end, behind `backlog` polls; and the polls run when it was read."""
    from tasks.github.tasks import apply_fix, monitor_repository

    # Hold the `pr` queue while the backlog is written, so all of it is waiting when the fix is sent.
    app.control.cancel_consumer("pr", destination=[worker.name], reply=True, timeout=5)
    with app.producer_or_acquire() as producer:
        for index in range(backlog):
            kwargs = {"repository": repositories[index % len(repositories)]}
            monitor_repository.apply_async(kwargs=kwargs, producer=producer)
    app.control.add_consumer("pr", destination=[worker.name], reply=True, timeout=5)
    sent = time.time()
    result = apply_fix.delay(repository=repositories[0], number=1, strategy="rerun_failed_jobs")
    result.get(timeout=120)
    done = app.AsyncResult(result.id).date_done
    ran = backlog - queue_length(app, "pr")
    wait_for(lambda: queue_length(app, "pr") == 0, timeout_s=600, what="backlog drained")
    return done.timestamp() - sent, ran


def warm_up(app: Celery, repository: str) -> None:
    """Let both pool processes run a task first (their first task pays for lazy set-up)."""
    from tasks.github.tasks import apply_fix

    for result in [apply_fix.delay(repository=repository, number=1, strategy="rerun_failed_jobs") for _ in range(8)]:
        result.get(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=200)
    parser.add_argument("--pulls", type=int, default=30)
    parser.add_argument("--backlog", type=int, default=2000)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pr-bench-"))
    url, release = services.redis_for_run(folder)
    # Stopping the run (SIGTERM) still stops the worker and releases the Redis database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    fake = FakeGitHub(token=TOKEN).start()
    # A cold cycle of 200 x 30 costs 12,200 requests: more than a token's 5,000 an hour, which
    # would stretch it over three hours of retries at each reset. The run measures the work, so
    # its budget is that of a large GitHub App installation.
    fake.rate_limit = fake.rate_remaining = RATE_LIMIT
    names = populate(fake, options.repositories, options.pulls)
    env = services.platform_env(
        folder,
        url,
        TASKS_GITHUB__API_URL=fake.url,
        TASKS_GITHUB__TOKEN=TOKEN,
        TASKS_GITHUB__REPOSITORIES=",".join(names),
    )
    os.environ.clear()
    os.environ.update(env)
    from tasks import app

    worker = WorkerProcess(env=dict(os.environ), log_path=folder / "worker.log", concurrency=2)
    worker.start(app)
    try:
        warm_up(app, names[0])
        pulls = options.repositories * options.pulls
        print(
            f"{options.repositories} repositories x {options.pulls} open pull requests, 1 worker x 2 processes, "
            f"rate limit {RATE_LIMIT} requests an hour"
        )
        cycle(app, fake, options.repositories + 2 * pulls, "cold cycle")
        cycle(app, fake, options.repositories, "unchanged cycle")
        waits = [priority_wait(app, worker, names, options.backlog) for _ in range(3)]
        for wait_s, ran in waits:
            print(
                f"pr.apply_fix behind {options.backlog} pr tasks: done {wait_s:.3f} s after it was sent; "
                f"{ran} of the polls had run when its result was read"
            )
        print(f"median wait of pr.apply_fix: {statistics.median(w for w, _ in waits):.3f} s (target < 1 s)")
    finally:
        worker.stop()
        fake.stop()
        release()


if __name__ == "__main__":
    main()
