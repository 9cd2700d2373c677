"""Failing HTTP calls to URLs with `user:password@` and `?token=`: nothing downstream shows them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import pytest
from celery import Celery

from tests.harness import loopback
from tests.harness.services import free_port
from tests.harness.workers import WorkerProcess, wait_for
from tests.reports.test_daily_summary import Webhook
from tests.upload.helpers import dead_letter, submit

USER_INFO = ("hook-user", "hook-pass-0451")
QUERY_TOKEN = "hook-query-token-0451"


@pytest.fixture
def failing_webhook() -> Iterator[Webhook]:
    server = loopback.serve(Webhook(failures=1_000))
    yield server
    loopback.close(server)


def test_a_failing_webhook_call_leaves_no_credentials_in_log_dead_letter_or_error(
    app: Celery, start_worker: Callable[..., WorkerProcess], failing_webhook: Webhook
) -> None:
    base = failing_webhook.url.replace("http://", f"http://{USER_INFO[0]}:{USER_INFO[1]}@")
    worker = start_worker(
        env={"TASKS_REPORTS__WEBHOOK_URL": f"{base}?token={QUERY_TOKEN}", "TASKS_HTTP_LOG_LEVEL": "INFO"},
        queues=["scheduled"],
        concurrency=1,
    )
    from tasks.deadletter import list_entries

    app.send_task("reports.daily_summary").get(timeout=30)
    wait_for(lambda: bool(list_entries(task="reports.deliver_summary")), timeout_s=90, what="the dead letter")
    entry = list_entries(task="reports.deliver_summary")[0]
    result = app.AsyncResult(entry["task_id"])

    places = {
        "log": worker.log(),
        "dead letter": json.dumps(entry),
        "error": f"{result.result!r} {result.traceback}",
    }
    # httpx logged every call (at INFO); the webhook URL is a secret as a whole.
    assert "HTTP Request: POST *** " in places["log"]
    for place, text in places.items():
        for secret in (*USER_INFO, QUERY_TOKEN):
            assert secret not in text, f"{secret!r} in the {place}"
    assert len(failing_webhook.posts) > 1


def test_an_unreachable_embedder_url_leaves_no_credentials_in_record_dead_letter_or_log(
    start_worker: Callable[..., WorkerProcess],
) -> None:
    from tasks.settings import get_settings
    from tasks.upload import get_document

    password = "embed-pass-0451"
    url = f"http://embed-user:{password}@127.0.0.1:{free_port()}/v1"
    worker = start_worker(
        env={
            "TASKS_UPLOAD__EMBEDDER": "openai",
            "TASKS_UPLOAD__EMBEDDING_URL": url,
            "TASKS_RETRY__MAX_RETRIES": "1",
            "TASKS_HTTP_LOG_LEVEL": "INFO",
        },
        queues=["uploads"],
        concurrency=1,
    )
    document = get_settings().upload.storage_root / f"{uuid.uuid4().hex}.txt"
    document.parent.mkdir(parents=True, exist_ok=True)
    document.write_text("A short document about secrets.")

    document_id = f"doc-{uuid.uuid4().hex[:12]}"
    sent = submit(source=str(document), collection=f"t_{uuid.uuid4().hex[:12]}", document_id=document_id)
    entry = dead_letter(sent.id, timeout_s=90)
    record = get_document(document_id)
    wait_for(lambda: "unreachable" in worker.log(), what="the failure in the log")

    assert record is not None and "unreachable" in record["error"]
    assert "http://***@127.0.0.1" in entry["exception_message"]
    for place, text in {"log": worker.log(), "dead letter": json.dumps(entry), "record": json.dumps(record)}.items():
        assert password not in text, f"the password in the {place}"
        assert "embed-user" not in text, f"the user in the {place}"
