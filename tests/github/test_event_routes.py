"""Webhook events to follow-up tasks (tasks.github.event_routes), in this process."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from tasks.github import event_routes, state

SHA = "b" * 40
NEW_SHA = "c" * 40


def route(event: str, payload: dict[str, Any]) -> event_routes.Routed:
    parsed = event_routes.parse(event, payload)
    assert parsed is not None
    return event_routes.route(parsed)


def test_synchronize_remembers_the_new_head_and_checks_it(repo_name: str) -> None:
    state.save_pull(repo_name, state.PullState(number=3, head_sha=SHA))
    payload = {
        "action": "synchronize",
        "repository": {"full_name": repo_name},
        "pull_request": {"number": 3, "head": {"sha": NEW_SHA, "ref": "feature"}},
    }

    routed = route("pull_request", payload)

    assert routed.follow_up == [("pr.check_pull_request", {"repository": repo_name, "number": 3, "head_sha": NEW_SHA})]
    pull = state.load_pull(repo_name, 3)
    assert pull is not None and pull.head_sha == NEW_SHA


def test_check_suite_rechecks_its_pull_requests(repo_name: str) -> None:
    payload = {
        "action": "completed",
        "repository": {"full_name": repo_name},
        "check_suite": {"head_sha": SHA, "conclusion": "success", "pull_requests": [{"number": 4}, {"number": 5}]},
    }

    routed = route("check_suite", payload)

    assert routed.handled
    assert [kwargs["number"] for _, kwargs in routed.follow_up] == [4, 5]


def test_other_actions_and_events_are_not_handled(repo_name: str) -> None:
    labeled = {
        "action": "labeled",
        "repository": {"full_name": repo_name},
        "pull_request": {"number": 3, "head": {"sha": SHA}},
    }

    assert event_routes.parse("ping", {"zen": "Design for failure."}) is None
    assert not route("pull_request", labeled).handled
    with pytest.raises(pydantic.ValidationError, match=r"check_run\.head_sha"):
        event_routes.parse(
            "check_run", {"action": "completed", "repository": {"full_name": repo_name}, "check_run": {"id": 1}}
        )
