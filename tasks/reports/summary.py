"""Build, keep and read daily summaries; the counts are deltas of the shared metrics."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from tasks.deadletter import REASONS
from tasks.deadletter.store import reason_index
from tasks.infra import get_status
from tasks.redis_client import get_redis, key

#: The kept summaries, newest first.
HISTORY: Final = key("reports", "daily")
#: Counts of the previous summary, so each one reports its own period.
BASELINE: Final = key("reports", "baseline")
KEEP: Final = 30
COUNTED: Final = ("received", "started", "succeeded", "failed", "retried", "dead_lettered", "rejected")


def build(metrics: dict[str, Any], environment: str) -> dict[str, Any]:
    """The summary since the previous one (since metrics began, the first time)."""
    client = get_redis()
    baseline = json.loads(client.get(BASELINE) or '{"counts": {}, "at": 0}')
    now = time.time()
    counts = {name: {event: int(stats.get(event, 0)) for event in COUNTED} for name, stats in metrics["tasks"].items()}
    tasks: dict[str, dict[str, Any]] = {}
    for name, current in counts.items():
        before = baseline["counts"].get(name, {})
        delta: dict[str, Any] = {event: max(0, value - int(before.get(event, 0))) for event, value in current.items()}
        if any(delta.values()):
            finished = delta["succeeded"] + delta["failed"]
            delta["failure_rate"] = round(delta["failed"] / finished, 4) if finished else 0.0
            tasks[name] = delta
    pipe = client.pipeline(transaction=False)
    for reason in REASONS:
        pipe.zcount(reason_index(reason), baseline["at"], now)
    dead_letters = dict(zip(REASONS, (int(n) for n in pipe.execute()), strict=True))
    summary = {
        "id": uuid.uuid4().hex,
        "generated_at": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
        "period_start": datetime.fromtimestamp(baseline["at"], UTC).isoformat(timespec="seconds"),
        "tasks": tasks,
        "dead_letters": dead_letters,
        "documents_ingested": tasks.get("uploads.process_document", {}).get("succeeded", 0),
        "prs_analysed": tasks.get("pr.analyze_check_failure", {}).get("succeeded", 0),
        "infrastructure_runs": tasks.get("infra.ensure_tables", {}).get("succeeded", 0)
        + tasks.get("infra.ensure_tables", {}).get("failed", 0),
        "infrastructure_status": (get_status(environment) or {}).get("status", "unknown"),
    }
    pipe = client.pipeline(transaction=True)
    pipe.lpush(HISTORY, json.dumps(summary))
    pipe.ltrim(HISTORY, 0, KEEP - 1)
    pipe.set(BASELINE, json.dumps({"counts": counts, "at": now}))
    pipe.execute()
    return summary


def latest(count: int = 1) -> list[dict[str, Any]]:
    """The newest kept summaries, newest first."""
    return [json.loads(raw) for raw in get_redis().lrange(HISTORY, 0, count - 1)]


def find(summary_id: str) -> dict[str, Any] | None:
    return next((summary for summary in latest(KEEP) if summary["id"] == summary_id), None)


def as_text(summary: dict[str, Any]) -> str:
    """A human summary; also the Slack message's text."""
    lines = [
        f"Daily summary {summary['period_start']} .. {summary['generated_at']}",
        f"documents ingested: {summary['documents_ingested']}   PRs analysed: {summary['prs_analysed']}   "
        f"infrastructure runs: {summary['infrastructure_runs']} (last status: {summary['infrastructure_status']})",
        "dead letters: " + ", ".join(f"{reason} {n}" for reason, n in summary["dead_letters"].items()),
    ]
    if summary["tasks"]:
        lines.append(f"{'task':40} {'succeeded':>9} {'failed':>7} {'retried':>7} {'failure rate':>12}")
    for name, stats in sorted(summary["tasks"].items()):
        lines.append(
            f"{name:40} {stats['succeeded']:>9} {stats['failed']:>7} {stats['retried']:>7} "
            f"{stats['failure_rate']:>12.1%}"
        )
    return "\n".join(lines)
