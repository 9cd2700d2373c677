"""Dead letters in the console: filters, paging, detail, and the confirmed, CSRF-checked actions."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from celery import Celery
from starlette.testclient import TestClient

from tasks import deadletter
from tasks.console.deadletters import PAGE_SIZE
from tasks.settings import get_settings
from tests.console.conftest import PASSWORD, USER, csrf_of, listed_ids

Make = Callable[..., dict[str, Any]]


def test_list_filters_by_task_reason_and_time(client: TestClient, dead_letter: Make, task_name: str) -> None:
    # Given two entries of this test's task (two reasons) and one of another task
    late = dead_letter(1, reason="time_limit")
    early = dead_letter(2)
    other = dead_letter(3, task=f"{task_name}_other")
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")

    by_task = client.get("/deadletters", params={"task": task_name})
    by_reason = client.get("/deadletters", params={"task": task_name, "reason": "time_limit"})
    in_range = client.get("/deadletters", params={"task": task_name, "since": hour_ago, "until": in_an_hour})
    future = client.get("/deadletters", params={"task": task_name, "since": in_an_hour})
    past = client.get("/deadletters", params={"task": task_name, "until": hour_ago})

    assert by_task.status_code == 200
    assert listed_ids(by_task.text) == [early["id"], late["id"]]
    assert other["id"] not in by_task.text
    assert listed_ids(by_reason.text) == [late["id"]]
    assert listed_ids(in_range.text) == [early["id"], late["id"]]
    assert listed_ids(future.text) == [] and "No dead letter matches" in future.text
    assert listed_ids(past.text) == []


def test_a_bad_filter_is_explained(client: TestClient) -> None:
    bad_time = client.get("/deadletters", params={"since": "yesterday"})
    bad_reason = client.get("/deadletters", params={"reason": "bored"})
    backwards = client.get("/deadletters", params={"since": "2026-02-01T00:00", "until": "2026-01-01T00:00"})

    assert bad_time.status_code == 400 and "since: expected a time" in bad_time.text
    assert bad_reason.status_code == 400 and "reason: expected one of" in bad_reason.text
    assert backwards.status_code == 400 and "since: after until" in backwards.text


def test_pages_of_the_list(client: TestClient, dead_letter: Make, task_name: str) -> None:
    entries = [dead_letter(n) for n in range(PAGE_SIZE + 3)]
    newest_first = [entry["id"] for entry in reversed(entries)]

    first = client.get("/deadletters", params={"task": task_name})
    second = client.get("/deadletters", params={"task": task_name, "page": "2"})

    assert listed_ids(first.text) == newest_first[:PAGE_SIZE]
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    assert listed_ids(second.text) == newest_first[PAGE_SIZE:]
    assert 'rel="next"' not in second.text and 'rel="prev"' in second.text


def test_detail_shows_the_failure_with_secrets_masked(client: TestClient, dead_letter: Make) -> None:
    # The console's basic-auth credential is one of its settings' secrets, so it is masked on sight.
    entry = dead_letter(7, token=f"{USER}:{PASSWORD}")

    answer = client.get(f"/deadletters/{entry['id']}")

    assert answer.status_code == 200
    assert "TimeoutError: upstream timed out (7)" in answer.text
    assert "Traceback" in answer.text or "TimeoutError" in answer.text
    assert "3 (2 retries)" in answer.text
    assert PASSWORD not in answer.text
    assert client.get("/deadletters/no-such-entry").status_code == 404


def test_replay_one_after_confirming(client: TestClient, private_broker: Celery, dead_letter: Make) -> None:
    entry = dead_letter()

    confirm = client.get(f"/deadletters/{entry['id']}/replay")
    done = client.post(f"/deadletters/{entry['id']}/replay", data={"csrf_token": csrf_of(confirm.text)})
    listing = client.get(done.headers["location"])

    assert confirm.status_code == 200 and 'method="post"' in confirm.text
    assert done.status_code == 303
    stored = deadletter.get(entry["id"])
    assert stored is not None and stored["replayed_as"]
    assert f"as task {stored['replayed_as']}" in listing.text
    assert entry["id"] not in listed_ids(listing.text), "a replayed entry leaves the default list"
    broker = redis.Redis.from_url(private_broker.conf.broker_url)
    assert broker.llen("default") == 1, "the task was sent again"
    broker.close()


def test_replaying_twice_needs_the_second_confirmation(client: TestClient, dead_letter: Make) -> None:
    entry = dead_letter()
    token = csrf_of(client.get(f"/deadletters/{entry['id']}/replay").text)
    client.post(f"/deadletters/{entry['id']}/replay", data={"csrf_token": token})
    first = deadletter.get(entry["id"])

    unforced = client.post(f"/deadletters/{entry['id']}/replay", data={"csrf_token": token})
    refusal = client.get(unforced.headers["location"]).text
    warned = client.get(f"/deadletters/{entry['id']}/replay")
    forced = client.post(f"/deadletters/{entry['id']}/replay", data={"csrf_token": token, "force": "yes"})

    assert "already replayed" in refusal
    assert "Already replayed as" in warned.text and 'name="force"' in warned.text
    assert forced.status_code == 303
    again = deadletter.get(entry["id"])
    assert first is not None and again is not None and again["replayed_as"] != first["replayed_as"]


def test_delete_one(client: TestClient, dead_letter: Make, task_name: str) -> None:
    kept, gone = dead_letter(1), dead_letter(2)
    token = csrf_of(client.get(f"/deadletters/{gone['id']}/delete").text)

    done = client.post(f"/deadletters/{gone['id']}/delete", data={"csrf_token": token, "task": task_name})
    after = client.get(done.headers["location"]).text
    again = client.post(f"/deadletters/{gone['id']}/delete", data={"csrf_token": token})

    assert done.status_code == 303 and done.headers["location"] == f"/deadletters?task={task_name}&state=pending"
    assert deadletter.get(gone["id"]) is None and deadletter.get(kept["id"]) is not None
    assert listed_ids(after) == [kept["id"]] and f"Deleted {gone['id']}" in after
    assert "already deleted or expired" in client.get(again.headers["location"]).text


def test_replay_a_selection(client: TestClient, private_broker: Celery, dead_letter: Make, task_name: str) -> None:
    chosen = [dead_letter(n, reason="non_retryable") for n in range(3)]
    left = dead_letter(9, reason="time_limit")
    deadletter.replay(private_broker, chosen[0]["id"])
    selection = {"task": task_name, "reason": "non_retryable"}

    confirm = client.get("/deadletters/selection/replay", params=selection)
    done = client.post("/deadletters/selection/replay", data={**selection, "csrf_token": csrf_of(confirm.text)})

    assert "Replay 2 dead letter(s)?" in confirm.text, "the one already replayed is left out"
    assert "Replayed 2 dead letter(s)" in client.get(done.headers["location"]).text
    assert all(deadletter.get(entry["id"])["replayed_as"] for entry in chosen)  # type: ignore[index]
    assert deadletter.get(left["id"])["replayed_as"] is None  # type: ignore[index]


def test_purge_a_selection(client: TestClient, dead_letter: Make, task_name: str) -> None:
    doomed = [dead_letter(n, reason="worker_lost") for n in range(2)]
    spared = dead_letter(5, reason="validation_error")
    selection = {"task": task_name, "reason": "worker_lost", "state": "all"}

    confirm = client.get("/deadletters/selection/purge", params=selection)
    done = client.post("/deadletters/selection/purge", data={**selection, "csrf_token": csrf_of(confirm.text)})

    assert "Purge 2 dead letter(s)?" in confirm.text
    assert sorted(listed_ids(confirm.text)) == sorted(entry["id"] for entry in doomed), "the confirmation lists them"
    assert re.search(r"Purged 2 dead letter\(s\)", client.get(done.headers["location"]).text)
    assert [deadletter.get(entry["id"]) for entry in doomed] == [None, None]
    assert deadletter.get(spared["id"]) is not None


def test_what_a_failure_says_is_shown_as_text_never_as_markup(client: TestClient, task_name: str) -> None:
    settings = get_settings()
    entry = deadletter.record(
        task_id=f"{task_name}-xss",
        task=task_name,
        queue="default",
        args=["<img src=x onerror=alert(1)>"],
        kwargs={},
        reason="non_retryable",
        exception=ValueError("<script>alert('dlq')</script>"),
        retries=0,
        worker=None,
        dlq=settings.dlq,
        secrets=settings.secrets(),
    )

    listing = client.get("/deadletters", params={"task": task_name}).text
    detail = client.get(f"/deadletters/{entry['id']}").text

    for page in (listing, detail):
        assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<img src=x" not in detail
