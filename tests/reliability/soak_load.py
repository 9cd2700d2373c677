"""The SIGKILL soak's load: no-op and sleeping tasks with small uploads, and what became of each."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import Celery

#: One task in this many is an upload.
UPLOAD_EVERY = 10
#: The work tasks' sleeps, in turn: a no-op, short sleeps.
SLEEPS_S = (0.0, 0.02, 0.1)


@dataclass
class Load:
    """The task ids sent, by kind; uploads map to their document id."""

    work: list[str] = field(default_factory=list)
    uploads: dict[str, str] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return [*self.work, *self.uploads]


@dataclass
class Outcome:
    completed: set[str]
    lost: set[str]
    #: Uploads that ran but have not completed (failed or unfinished), with their record's status.
    unfinished: dict[str, str]
    runs: dict[str, int]

    @property
    def duplicated(self) -> dict[str, int]:
        return {task_id: count for task_id, count in self.runs.items() if count > 1}


def document_text(tag: str, n: int) -> str:
    """A small document no other upload of the run shares (each is a real ingestion)."""
    lines = [f"# Soak document {tag} {n}", ""]
    lines += [f"Paragraph {p} of document {n} ({tag}): cranes, ships and {n * 7 + p} containers." for p in range(6)]
    return "\n".join(lines) + "\n"


def send(client: Celery, tasks: int, storage_root: Path) -> Load:
    tag = uuid.uuid4().hex[:10]
    folder = storage_root / f"soak-{tag}"
    folder.mkdir(parents=True)
    collection = f"soak_{tag}"
    load = Load()
    for n in range(tasks):
        if n % UPLOAD_EVERY == UPLOAD_EVERY - 1:
            path = folder / f"doc-{n}.{'md' if n % 2 else 'txt'}"
            path.write_text(document_text(tag, n))
            document_id = f"soak-{tag}-{n}"
            kwargs: dict[str, Any] = {
                "source": str(path),
                "collection": collection,
                "document_id": document_id,
                "chunk_size": 200,
                "chunk_overlap": 20,
            }
            load.uploads[client.send_task("uploads.process_document", kwargs=kwargs).id] = document_id
        else:
            sleep_s = SLEEPS_S[n % len(SLEEPS_S)]
            load.work.append(client.send_task("testing.work", kwargs={"value": n, "sleep_s": sleep_s}).id)
    return load


def runs(task_ids: list[str]) -> dict[str, int]:
    """How many times each task id started (counted by the task, or the upload hook)."""
    from tasks.redis_client import get_redis
    from tests.hooks.sample_tasks import runs_key

    counts: dict[str, int] = {}
    for start in range(0, len(task_ids), 1000):
        batch = task_ids[start : start + 1000]
        values = get_redis().mget([runs_key(task_id) for task_id in batch])
        counts.update({task_id: int(value or 0) for task_id, value in zip(batch, values, strict=True)})
    return counts


def records(load: Load) -> dict[str, dict[str, Any]]:
    """The document record of every upload (by task id), empty when there is none."""
    from tasks.redis_client import get_redis
    from tasks.upload.records import record_key

    pipe = get_redis().pipeline(transaction=False)
    for document_id in load.uploads.values():
        pipe.hgetall(record_key(document_id))
    found: dict[str, dict[str, Any]] = {}
    for task_id, raw in zip(load.uploads, pipe.execute(), strict=True):
        found[task_id] = {str(name): json.loads(value) for name, value in raw.items()}
    return found


def upload_done(record: dict[str, Any], task_id: str) -> bool:
    return record.get("status") == "completed" and record.get("task_id") == task_id


def outcome(client: Celery, load: Load) -> Outcome:
    counts = runs(load.ids)
    found = records(load)
    completed = {task_id for task_id in load.work if counts[task_id]}
    unfinished: dict[str, str] = {}
    lost = {task_id for task_id in load.work if not counts[task_id]}
    for task_id, record in found.items():
        if upload_done(record, task_id) or client.AsyncResult(task_id).successful():
            completed.add(task_id)
        elif counts[task_id] or record:
            unfinished[task_id] = str(record.get("status", "no record"))
        else:
            lost.add(task_id)
    return Outcome(completed=completed, lost=lost, unfinished=unfinished, runs=counts)


def settled(load: Load) -> bool:
    """Every work task ran and every upload's record is final (completed or failed)."""
    counts = runs(load.work)
    if min(counts.values(), default=1) < 1:
        return False
    return all(record.get("status") in {"completed", "failed"} for record in records(load).values())
