"""Webhook events to follow-up work: which task runs for which event and action."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tasks.github import state
from tasks.github.monitor import FAILED_CONCLUSIONS
from tasks.github.params import EVENTS, CheckRunEvent, CheckSuiteEvent, Payload, PullRequestEvent
from tasks.github.state import PullState

CHECK_PULL_REQUEST = "pr.check_pull_request"
ANALYZE_CHECK_FAILURE = "pr.analyze_check_failure"
PULL_ACTIONS = frozenset({"opened", "reopened", "synchronize"})


@dataclass
class Routed:
    handled: bool
    reason: str
    #: (task name, keyword arguments) to queue.
    follow_up: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def parse(event: str, payload: dict[str, Any]) -> Payload | None:
    """The payload of a handled event, validated (pydantic ValidationError otherwise); None for other events."""
    model = EVENTS.get(event)
    return None if model is None else model.model_validate(payload)


def route(parsed: Payload) -> Routed:
    """What to do for a parsed event; updates the monitor's state as the event says."""
    if isinstance(parsed, PullRequestEvent):
        return _pull_request(parsed)
    if isinstance(parsed, CheckRunEvent):
        return _check_run(parsed)
    assert isinstance(parsed, CheckSuiteEvent)
    return _check_suite(parsed)


def _pull_request(event: PullRequestEvent) -> Routed:
    repository = event.repository.full_name
    pull = event.pull_request
    if event.action == "closed":
        state.forget_pull(repository, pull.number)
        return Routed(True, f"#{pull.number} closed: forgotten")
    if event.action not in PULL_ACTIONS:
        return Routed(False, f"pull_request action {event.action!r} is not handled")
    known = state.load_pull(repository, pull.number)
    if known is None or known.head_sha != pull.head.sha:
        state.save_pull(
            repository,
            PullState(number=pull.number, head_sha=pull.head.sha, head_ref=pull.head.ref, updated_at=pull.updated_at),
        )
    check = {**_pull(repository, pull.number), "head_sha": pull.head.sha}
    return Routed(True, f"#{pull.number} {event.action}", [(CHECK_PULL_REQUEST, check)])


def _check_run(event: CheckRunEvent) -> Routed:
    if event.action != "completed":
        return Routed(False, f"check_run action {event.action!r} is not handled")
    repository = event.repository.full_name
    run = event.check_run
    if run.conclusion in FAILED_CONCLUSIONS:
        if not state.claim_check_run(repository, run.id):
            return Routed(True, f"check run {run.id} already analysed")
        kwargs = {"repository": repository, "check_run_id": run.id}
        return Routed(True, f"check run {run.id} {run.conclusion}", [(ANALYZE_CHECK_FAILURE, kwargs)])
    follow_up = [(CHECK_PULL_REQUEST, _pull(repository, pull.number)) for pull in run.pull_requests]
    return Routed(True, f"check run {run.id} {run.conclusion}", follow_up)


def _check_suite(event: CheckSuiteEvent) -> Routed:
    if event.action != "completed":
        return Routed(False, f"check_suite action {event.action!r} is not handled")
    repository = event.repository.full_name
    follow_up = [(CHECK_PULL_REQUEST, _pull(repository, pull.number)) for pull in event.check_suite.pull_requests]
    return Routed(True, f"check suite on {event.check_suite.head_sha[:12]} {event.check_suite.conclusion}", follow_up)


def _pull(repository: str, number: int) -> dict[str, Any]:
    return {"repository": repository, "number": number}
