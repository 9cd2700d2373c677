"""Scenario 6, fuzzing: generated calls of every public task, sent by name, against one real worker.

Every call ends as a success or a dead letter: `validation_error` naming the bad fields for
arguments the contract refuses, `non_retryable` at worst for arguments it accepts. The worker
survives all of it, no document stays `processing`, and nothing reaches the network.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from celery import Celery
from celery.result import AsyncResult
from hypothesis import HealthCheck, Phase, example, given, settings

from tests.github.fake_github import FakeGitHub
from tests.harness.loopback import moto_server
from tests.harness.workers import WorkerProcess
from tests.reliability.figures import Figures
from tests.reliability.fuzz_cases import Case, TaskSpec, case_of, rotation
from tests.reliability.fuzz_specs import every_task
from tests.reliability.fuzz_world import (
    TOKEN,
    GitHubWorld,
    NetworkTrap,
    StorageRoot,
    fill_buckets,
    populate,
    worker_env,
)

#: Generated calls: the full run, and the reduced one CI runs.
FULL_CALLS, REDUCED_CALLS = 2000, 400
#: Bound on the whole batch draining after the last call was sent.
DRAIN_TIMEOUT_S = {True: 1500.0, False: 360.0}
ALLOWED_FOR_VALID = {"success", "non_retryable"}
HEAVIER = frozenset({"uploads.process_document", "pr.apply_fix", "pr.handle_webhook"})


@dataclass
class Sent:
    case: Case
    result: AsyncResult
    outcome: str = ""
    message: str = ""


@pytest.fixture
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def trap() -> Iterator[NetworkTrap]:
    server = NetworkTrap().start()
    yield server
    server.stop()


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub(token=TOKEN).start()
    yield server
    server.stop()


def send_all(app: Celery, specs: list[TaskSpec], count: int) -> list[Sent]:
    """Send about `count` drawn calls by name, a share per entry of `specs`, and each spec's fixed examples."""
    sent: list[Sent] = []
    share = max(1, count // len(specs))
    weights = Counter(spec.name for spec in specs)
    for spec in {spec.name: spec for spec in specs}.values():

        @settings(
            max_examples=share * weights[spec.name],
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=case_of(spec))
        def send(case: Case) -> None:
            result = app.send_task(case.task, args=list(case.args), kwargs=case.kwargs)
            sent.append(Sent(case, result))

        for case in spec.example_cases():
            send = example(case=case)(send)
        send()
    return sent


def outcome_of(result: AsyncResult) -> tuple[str, str]:
    """`success`, or the dead letter's reason and message; `failed without dead letter` otherwise."""
    from tasks.deadletter import find_by_task_id

    if result.state == "SUCCESS":
        return "success", ""
    for _ in range(50):
        entry = find_by_task_id(result.id)
        if entry is not None:
            return str(entry["reason"]), str(entry["exception_message"])
        time.sleep(0.1)
    return f"{result.state} without a dead letter", repr(result.result)[:300]


def wait_all(sent: list[Sent], timeout_s: float) -> list[Sent]:
    """Wait until every call is finished; returns those still unfinished at the deadline."""
    pending = list(sent)
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        still = []
        for item in pending:
            if item.result.ready():
                item.outcome, item.message = outcome_of(item.result)
            else:
                still.append(item)
        pending = still
        if pending:
            time.sleep(0.5)
    return pending


def problem(item: Sent) -> str | None:
    """Why this call's outcome breaks the contract, or None."""
    case = item.case
    if case.valid:
        if item.outcome in ALLOWED_FOR_VALID:
            return None
        return f"valid call ended as {item.outcome}: {item.message[:300]}"
    if item.outcome != "validation_error":
        return f"refused call ended as {item.outcome}, not validation_error: {item.message[:300]}"
    # A name that is not valid Unicode can only be named by its repr.
    if not any(name in item.message or repr(name) in item.message for group in case.must_name for name in group):
        # A rule across fields is only checked once every field is valid, so one bad field named is enough.
        wanted = [sorted(name[:40] for name in group) for group in case.must_name]
        return f"validation_error names none of {wanted}: {item.message[:300]}"
    return None


def processing_documents() -> set[str]:
    from tasks.redis_client import get_redis
    from tasks.upload.records import get_document, processing_key, record_key

    client = get_redis()
    indexed = {str(name) for name in client.zrange(processing_key(), 0, -1)}
    prefix = record_key("")
    for name in client.scan_iter(match=prefix + "*", count=1000):
        document_id = str(name).removeprefix(prefix)
        if client.type(name) == "hash" and (get_document(document_id) or {}).get("status") == "processing":
            indexed.add(document_id)
    return indexed


def dead_letter_reasons() -> Counter[str]:
    from tasks.deadletter import list_entries

    return Counter(str(entry["reason"]) for entry in list_entries(limit=1_000_000))


def worker_pid(app: Celery, worker: WorkerProcess) -> int:
    """The pid the worker reports for itself (its main process)."""
    stats = app.control.inspect(destination=[worker.name], timeout=5).stats() or {}
    return int(stats[worker.name]["pid"])


@pytest.mark.timeout(2400)
def test_fuzzed_calls_of_every_task(
    app: Celery,
    start_worker: Callable[..., WorkerProcess],
    tmp_path: Path,
    full_size: bool,
    figures: Figures,
    moto_url: str,
    fake: FakeGitHub,
    trap: NetworkTrap,
) -> None:
    # Given: one worker whose storage root, GitHub and AWS are all local, the rest of the network a trap
    storage = StorageRoot.build(tmp_path)
    fill_buckets(moto_url)
    world: GitHubWorld = populate(fake)
    specs = every_task(storage, world)
    worker = start_worker(env=worker_env(storage, fake, moto_url, trap), concurrency=2)
    pid_before = worker_pid(app, worker)
    processing_before = processing_documents()
    reasons_before = dead_letter_reasons()
    count = FULL_CALLS if full_size else REDUCED_CALLS

    # When: every generated call is sent by name, then the batch drains
    started = time.monotonic()
    sent = send_all(app, rotation(specs, HEAVIER), count)
    unfinished = wait_all(sent, DRAIN_TIMEOUT_S[full_size])
    elapsed_s = time.monotonic() - started

    # Then
    per_task = Counter(item.case.task for item in sent)
    outcomes = Counter(item.outcome or "unfinished" for item in sent)
    failures = [(item, reason) for item in sent if (reason := problem(item)) is not None]
    figures.load = f"{len(sent)} generated calls over {len(specs)} tasks, 2 pool processes"
    figures.faults = (
        "wrong types, missing/extra fields, huge/odd strings, path tricks, s3 buckets, deny paths, positional args"
    )
    figures.sent = len(sent)
    figures.completed = len(sent) - len(unfinished)
    figures.lost = len(unfinished)
    figures.notes.update(
        elapsed_s=round(elapsed_s, 1),
        valid=sum(item.case.valid for item in sent),
        outcomes=dict(outcomes),
        contract_breaks=len(failures),
    )
    report = "\n".join(f"- {item.case.describe()}\n  -> {reason}" for item, reason in failures[:40])
    assert len(sent) >= count * 0.9, f"hypothesis drew only {len(sent)} of {count} calls"
    assert set(per_task) == {spec.name for spec in specs}, f"tasks never called: {per_task}"
    assert not unfinished, f"{len(unfinished)} calls unfinished: " + "; ".join(
        item.case.describe(200) for item in unfinished[:10]
    )
    assert not failures, f"{len(failures)} of {len(sent)} calls broke the contract ({dict(outcomes)}):\n{report}"
    follow_ups = dead_letter_reasons() - reasons_before
    assert set(follow_ups) <= {"validation_error", "non_retryable"}, f"dead letters of follow-ups: {follow_ups}"
    assert worker.process is not None and worker.process.poll() is None, "the worker died"
    assert app.control.ping(destination=[worker.name], timeout=5), "the worker does not answer ping"
    assert worker_pid(app, worker) == pid_before, "the worker's main process was replaced"
    assert processing_documents() <= processing_before, "documents left processing"
    assert trap.attempts == [], f"calls tried to reach the network: {trap.attempts[:10]}"
