"""The automatic repair loop: a signed `check_run` webhook in, the fix on the fake GitHub out.

    .venv/bin/python bench/pr_fix_loop.py [--pulls 60] [--guarded 6] [--rate 4] [--json PATH]

Pull requests that each failed one check, in equal thirds (bench/pr_fix_seed.py): a
`ruff format --check` failure, a `ruff check` failure that a safe fix repairs (an unused
import, F401), and a transient one (a lost runner, a job past its time limit) that a
re-run repairs; and `--guarded` pull requests with the same failures whose head branch is
protected or the default branch, which must get no commit (a re-run writes nothing to a
branch, so theirs are expected).

One worker with 2 prefork processes on every queue, the webhook receiver
(`tasks.github.webhooks:app`) under uvicorn in a process of its own, TASKS_GITHUB__AUTO_FIX
on. After a warm-up through the same path, one delivery per pull request is POSTed to the
receiver, signed, in a steady stream of `--rate` a second (`--rate 0`: all at once).
Prints, per strategy and overall, the seconds from the POST to the analysis (the worker's
first read of the check run) and to the fix (the branch's fast-forward, or the re-run
request), median and nearest-rank p95, and the requests made to the fake per fix, by
endpoint too. Exits non-zero when an expected fix is missing or wrong, or a guarded branch
was written.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pr_fix_seed import GUARDED, REPOSITORIES, STRATEGIES, Key, Seeded, add_repo, delivery, populate, seed
from tests.github.fake_github import FakeGitHub, Recorded
from tests.harness import services
from tests.harness.workers import WorkerProcess, wait_for

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
SECRET = "bench-webhook-secret"
WARM_UP = "bench/warm-up"
#: Seconds without a request to the fake once the fixes are in: the guarded pull requests' work is over too.
QUIET_S = 2.0
FIX_PATH = re.compile(r"/repos/([^/]+/[^/]+)/(?:git/refs/heads/([^/]+)|actions/runs/(\d+)/rerun-failed-jobs)")
CHECK_RUN_PATH = re.compile(r"/repos/([^/]+/[^/]+)/check-runs/(\d+)")

Times = dict[Key, list[float]]


def send(url: str, pulls: list[Seeded], rate: float) -> dict[Key, float]:
    """POST each pull request's delivery, `rate` a second (0: at once); when each was sent."""
    sent = {}
    start = time.monotonic()
    with httpx.Client(timeout=10) as client:
        for index, pull in enumerate(pulls):
            if rate > 0:
                time.sleep(max(start + index / rate - time.monotonic(), 0))
            body, headers = delivery(pull, SECRET)
            sent[pull.key] = time.time()
            response = client.post(url, content=body, headers=headers)
            assert response.status_code == 202, f"the receiver answered {response.status_code}: {response.text}"
    return sent


def events(fake: FakeGitHub, pulls: list[Seeded]) -> tuple[Times, Times]:
    """When the worker first read each pull request's check run, and when each fix reached the fake."""
    by_branch = {(p.repository, p.branch): p.key for p in pulls}
    by_run = {(p.repository, str(p.workflow_run_id)): p.key for p in pulls}
    by_check = {(p.repository, str(p.check_run_id)): p.key for p in pulls}
    analysed: Times = {}
    fixed: Times = {}
    for request in fake.recorded():
        if request.status not in (200, 201):
            continue
        if (read := CHECK_RUN_PATH.fullmatch(request.path)) and (key := by_check.get((read[1], read[2]))):
            analysed.setdefault(key, []).append(request.at)
        if (match := FIX_PATH.fullmatch(request.path)) is None:
            continue
        repository, branch, run = match.groups()
        key = by_branch.get((repository, unquote(branch))) if branch else by_run.get((repository, run))
        if key is not None:
            fixed.setdefault(key, []).append(request.at)
    return analysed, fixed


def wait_quiet(fake: FakeGitHub) -> None:
    def quiet() -> bool:
        return time.time() - max((r.at for r in fake.recorded()), default=0) >= QUIET_S

    wait_for(quiet, timeout_s=60, interval_s=0.2, what="no more requests")


def endpoint(request: Recorded) -> str:
    """A request's method and path shape, as `GET /pulls/{id}`."""
    if request.path.startswith("/_logs/"):
        return "GET (job log, from storage)"
    path = re.sub(r"^/repos/[^/]+/[^/]+", "", request.path)
    if not path:
        return f"{request.method} (the repository)"
    path = re.sub(r"/(branches|refs/heads|contents)/.+", r"/\1/{path}", path)
    path = re.sub(r"/[0-9a-f]{40}$", "/{sha}", path)
    return f"{request.method} {re.sub(r'/[0-9]+(?=/|$)', '/{id}', path)}"


def repository_of(request: Recorded) -> str | None:
    match = re.match(r"/(?:repos|_logs)/([^/]+/[^/]+)", request.path)
    return match.group(1) if match else None


def latency(times: Times, sent: dict[Key, float], pulls: list[Seeded], name: str) -> dict[str, float]:
    """Median, nearest-rank p95 and maximum of the seconds from each delivery to its first event."""
    seconds = sorted(times[p.key][0] - sent[p.key] for p in pulls if p.key in times)
    if not seconds:
        return {}
    p95 = seconds[max(math.ceil(0.95 * len(seconds)) - 1, 0)]
    return {f"{name}_median_s": statistics.median(seconds), f"{name}_p95_s": p95, f"{name}_max_s": seconds[-1]}


def group(
    label: str,
    pulls: list[Seeded],
    found: tuple[Times, Times],
    sent: dict[Key, float],
    requests: list[Recorded],
    *,
    per_pull: bool = False,
) -> dict[str, Any]:
    """The figures of some pull requests, and the requests made for them a fix (`per_pull`: a pull request)."""
    analysed, fixed = found
    fixes = len([p for p in pulls if p.key in fixed])
    per = max(len(pulls) if per_pull else fixes, 1)
    counts = Counter(map(endpoint, requests))
    return {
        "label": label,
        "pulls": len(pulls),
        "fixes": fixes,
        "requests": len(requests),
        "requests_per_fix": len(requests) / per,
        **latency(analysed, sent, pulls, "analysis"),
        **latency(fixed, sent, pulls, "fix"),
        "endpoints_per_fix": {name: count / per for name, count in sorted(counts.items())},
    }


def wrong_files(fake: FakeGitHub, pulls: list[Seeded], fixed: Times) -> list[str]:
    """Tool fixes whose file on the branch is not what the worker's ruff makes of it."""
    return [
        f"{p.repository}#{p.number}"
        for p in pulls
        if p.fixed is not None
        and p.key in fixed
        and fake.repos[p.repository].file_at(fake.repos[p.repository].refs[p.branch], p.path) != p.fixed
    ]


def measure(
    fake: FakeGitHub, pulls: list[Seeded], sent: dict[Key, float], guarded_refs: dict[str, str]
) -> dict[str, Any]:
    found = events(fake, pulls)
    fixed = found[1]
    requests = fake.recorded()
    unguarded = [p for p in pulls if p.guard is None]
    guarded = [p for p in pulls if p.guard is not None]
    groups = [(s, [p for p in unguarded if p.strategy == s]) for s in STRATEGIES] + [("all", unguarded)]
    rows = [
        group(label, chosen, found, sent, [r for r in requests if repository_of(r) in {p.repository for p in chosen}])
        for label, chosen in groups
    ]
    in_guarded = [r for r in requests if repository_of(r) == GUARDED]
    expected = unguarded + [p for p in guarded if p.strategy == "rerun_failed_jobs"]
    refs = fake.repos[GUARDED].refs if guarded else {}
    guards = {
        "ref_updates": len([r for r in in_guarded if r.method == "PATCH" and "/git/refs/" in r.path]),
        "commits_written": len([r for r in in_guarded if r.method == "POST" and r.path.endswith("/git/commits")]),
        "branches_moved": sorted(branch for branch, sha in guarded_refs.items() if refs.get(branch) != sha),
        "reruns": len([p for p in guarded if p.strategy == "rerun_failed_jobs" and p.key in fixed]),
        "reruns_expected": len([p for p in guarded if p.strategy == "rerun_failed_jobs"]),
    }
    return {
        "rows": rows,
        "guarded": group("guarded", guarded, found, sent, in_guarded, per_pull=True) | guards,
        "expected_fixes": len(expected),
        "fixes": len([p for p in expected if p.key in fixed]),
        "missing": [f"{p.repository}#{p.number} ({p.strategy})" for p in expected if p.key not in fixed],
        "wrong": wrong_files(fake, pulls, fixed),
        "duplicates": sorted(f"{repository}#{number}" for (repository, number), at in fixed.items() if len(at) > 1),
        "requests": len(requests),
        "requests_per_fix": len(requests) / max(len(fixed), 1),
        "errors": dict(Counter(f"{r.status} {endpoint(r)}" for r in requests if r.status >= 400)),
        "outside_repositories": len([r for r in requests if repository_of(r) is None]),
    }


class Receiver:
    """`tasks.github.webhooks:app` under uvicorn, in a process of its own, on a free loopback port."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        port = services.free_port()
        self.url = f"http://127.0.0.1:{port}/webhook"
        command = [sys.executable, "-m", "uvicorn", "tasks.github.webhooks:app", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--log-level", "warning", "--no-access-log", "--lifespan", "off"]
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.answers, timeout_s=30, interval_s=0.2, what=f"the webhook receiver (log: {log_path})")

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"the webhook receiver exited with {self.process.returncode}")
        try:
            # The receiver takes POSTs only: any answer means it is up.
            return httpx.get(self.url, timeout=1).status_code == 405
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def warm_up(fake: FakeGitHub, url: str) -> None:
    """Two failures of each kind through the whole loop: each pool process pays its lazy set-up here."""
    repo = add_repo(fake, WARM_UP)
    pulls = [seed(fake, repo, 3 * turn + index + 1, s) for turn in range(2) for index, s in enumerate(STRATEGIES)]
    send(url, pulls, rate=0)
    wait_for(lambda: len(events(fake, pulls)[1]) == len(pulls), timeout_s=120, interval_s=0.2, what="warm-up fixes")
    wait_quiet(fake)
    fake.clear()


def print_report(figures: dict[str, Any]) -> None:
    heading = ("", "PRs", "fixed", "analysis s", "fix s", "", "", "requests")
    print("\n{:18} {:>4} {:>6} {:>11} {:>8} {:>7} {:>7} {:>9}".format(*heading))
    heading = ("strategy", "", "", "median", "median", "p95", "max", "a fix")
    print("{:18} {:>4} {:>6} {:>11} {:>8} {:>7} {:>7} {:>9}".format(*heading))
    for row in figures["rows"]:
        times = [row.get(name, math.nan) for name in ("analysis_median_s", "fix_median_s", "fix_p95_s", "fix_max_s")]
        print(
            f"{row['label']:18} {row['pulls']:4d} {row['fixes']:6d} {times[0]:11.3f} {times[1]:8.3f} {times[2]:7.3f} "
            f"{times[3]:7.3f} {row['requests_per_fix']:9.2f}"
        )
    guarded = figures["guarded"]
    print(
        f"\nguarded pull requests: {guarded['pulls']}; ref updates on their branches {guarded['ref_updates']}, "
        f"commits written {guarded['commits_written']}, branches moved {len(guarded['branches_moved'])} "
        f"(all must be 0); re-runs {guarded['reruns']} of {guarded['reruns_expected']} expected; "
        f"{guarded['requests_per_fix']:.2f} requests a pull request"
    )
    print(
        f"fixes: {figures['fixes']} of {figures['expected_fixes']} expected; {figures['requests']} requests "
        f"to the fake in all, {figures['requests_per_fix']:.2f} a fix; answered >= 400: {figures['errors'] or 'none'}"
    )
    for problem in ("missing", "wrong", "duplicates"):
        if figures[problem]:
            print(f"{problem}: {', '.join(figures[problem])}")
    if figures["outside_repositories"]:
        print(f"requests outside any repository: {figures['outside_repositories']}")
    columns = [*figures["rows"][: len(STRATEGIES)], guarded]
    names = sorted({name for column in columns for name in column["endpoints_per_fix"]})
    print("\nrequests a fix, by endpoint (guarded: a pull request)" + "".join(f"{c['label']:>19}" for c in columns))
    for name in names:
        print(f"  {name:52}" + "".join(f"{c['endpoints_per_fix'].get(name, 0):19.2f}" for c in columns))
    print(f"\nwall time from the first delivery to the last request: {figures['wall_s']:.1f} s")


def run(options: argparse.Namespace, folder: Path) -> dict[str, Any]:
    with ExitStack() as stack:
        redis_url, release = services.redis_for_run(folder)
        stack.callback(release)
        fake = FakeGitHub(token=TOKEN).start()
        stack.callback(fake.stop)
        per_strategy = options.pulls // len(STRATEGIES)
        pulls = populate(fake, per_strategy, options.guarded)
        guarded_refs = {p.branch: fake.repos[GUARDED].refs[p.branch] for p in pulls if p.guard is not None}
        env = services.platform_env(
            folder,
            redis_url,
            PYTHONPATH=str(ROOT),
            TASKS_GITHUB__API_URL=fake.url,
            TASKS_GITHUB__TOKEN=TOKEN,
            TASKS_GITHUB__REPOSITORIES=",".join([*REPOSITORIES.values(), GUARDED, WARM_UP]),
            TASKS_GITHUB__WEBHOOK_SECRET=SECRET,
            TASKS_GITHUB__AUTO_FIX="true",
        )
        os.environ.clear()
        os.environ.update(env)
        from tasks import app

        worker = WorkerProcess(env=env, log_path=folder / "worker.log", concurrency=2)
        stack.callback(worker.stop)
        worker.start(app)
        receiver = Receiver(env, folder / "receiver.log")
        stack.callback(receiver.stop)
        warm_up(fake, receiver.url)
        stream = f"a steady stream of {options.rate:g} a second" if options.rate > 0 else "all at once"
        print(
            f"{per_strategy * len(STRATEGIES)} failed pull requests ({per_strategy} a strategy) and {options.guarded} "
            f"on guarded branches; 1 worker x 2 processes, {os.cpu_count()} cores; deliveries {stream}",
            flush=True,
        )
        started = time.time()
        sent = send(receiver.url, pulls, options.rate)
        print(f"{len(sent)} deliveries sent in {time.time() - started:.1f} s", flush=True)
        expected = {p.key for p in pulls if p.guard is None or p.strategy == "rerun_failed_jobs"}
        try:
            wait_for(lambda: expected <= events(fake, pulls)[1].keys(), options.timeout_s, 0.2, "every expected fix")
        except TimeoutError as error:
            print(f"{error} (worker log: {folder / 'worker.log'})", flush=True)
        wait_quiet(fake)
        figures = measure(fake, pulls, sent, guarded_refs)
        figures["wall_s"] = max(r.at for r in fake.recorded()) - started
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulls", type=int, default=60, help="failed pull requests, a third per strategy")
    parser.add_argument("--guarded", type=int, default=6, help="failed pull requests on guarded branches")
    parser.add_argument("--rate", type=float, default=4.0, help="deliveries a second; 0 sends them all at once")
    parser.add_argument("--timeout-s", type=float, default=120.0, help="how long to wait for the fixes")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    if options.pulls < len(STRATEGIES):
        parser.error("--pulls must be at least 3")
    # Stopping the run (SIGTERM) still stops the worker and the receiver and releases the Redis database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    figures = run(options, Path(tempfile.mkdtemp(prefix="pr-fix-bench-")))
    print_report(figures)
    if options.json:
        saved = {"command": sys.argv, "cores": os.cpu_count(), **figures}
        options.json.write_text(json.dumps(saved, indent=2) + "\n")
    guarded = figures["guarded"]
    written = guarded["ref_updates"] or guarded["commits_written"] or guarded["branches_moved"]
    return 1 if figures["missing"] or figures["wrong"] or written else 0


if __name__ == "__main__":
    sys.exit(main())
