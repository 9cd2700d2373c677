"""The read-only pages: overview from the shared metrics, documents, infrastructure, pull requests."""

from __future__ import annotations

import json
import uuid

from starlette.testclient import TestClient

from tasks.github import history, state
from tasks.infra.status import publish_event, status_key
from tasks.metrics.recorder import Recorder
from tasks.redis_client import get_redis
from tasks.settings import get_settings
from tasks.upload import records
from tests.harness.workers import WorkerProcess
from tests.upload.helpers import ingest


def test_overview_shows_counts_rates_percentiles_and_charts(client: TestClient, task_name: str) -> None:
    worker = f"w-{task_name}@host"
    recorder = Recorder(get_settings().metrics)
    recorder.worker_started(worker)
    recorder.started(task_name, queue_wait_s=0.02)
    recorder.finished(task_name, "succeeded", 0.3, worker)
    recorder.started(task_name, queue_wait_s=0.02)
    recorder.finished(task_name, "failed", 0.3, worker)
    recorder.flush()

    answer = client.get("/")

    assert answer.status_code == 200
    row = answer.text[answer.text.index(f"<td>{task_name}</td>") :].split("</tr>")[0]
    assert "50.0 %" in row, "one failed of two finished"
    assert "0.5 / 0.5" in row, "runtime p50 / p95: the 0.5 s bucket bound"
    assert "<svg" in answer.text and "Queue depth (messages)" in answer.text
    assert worker in answer.text


def test_documents_list_detail_and_filter(client: TestClient) -> None:
    done, failed = f"doc-{uuid.uuid4().hex[:8]}", f"doc-{uuid.uuid4().hex[:8]}"
    records.update(done, status="completed", stage="indexed", progress=100, collection="c", filename="a.pdf")
    records.update(failed, [], status="failed", stage="parsing", progress=20, error="bad PDF header", filename="b.pdf")

    everything = client.get("/documents")
    only_failed = client.get("/documents", params={"status": "failed"})
    one = client.get("/documents", params={"id": done})
    detail = client.get(f"/documents/{failed}")

    assert done in everything.text and failed in everything.text
    assert failed in only_failed.text and done not in only_failed.text and "bad PDF header" in only_failed.text
    assert done in one.text and failed not in one.text
    assert detail.status_code == 200 and "parsing" in detail.text
    assert client.get("/documents/no-such-doc").status_code == 404
    assert client.get("/documents", params={"status": "lost"}).status_code == 400


def test_search_calls_the_platform_search(client: TestClient, worker: WorkerProcess) -> None:
    collection = f"console-{uuid.uuid4().hex[:8]}"
    source = get_settings().upload.storage_root / collection / "runbook.txt"
    source.parent.mkdir(parents=True)
    source.write_text("When the broker fails over, restart the consumers with CONSOLE_RUNBOOK_4417 in hand.")
    ingest(source=str(source), collection=collection)

    found = client.get("/documents/search", params={"collection": collection, "q": "CONSOLE_RUNBOOK_4417"})
    nothing = client.get("/documents/search", params={"collection": f"{collection}-empty", "q": "anything"})

    assert found.status_code == 200
    assert '<ol id="hits">' in found.text and "CONSOLE_RUNBOOK_4417" in found.text
    assert f"No result in {collection}-empty" in nothing.text


def test_infra_status_and_event_history(client: TestClient) -> None:
    run_id = uuid.uuid4().hex
    redis = get_redis()
    record = {"environment": "staging", "status": "failed", "run_id": run_id, "error_message": "throttled"}
    redis.set(status_key("staging"), json.dumps(record))
    publish_event(redis, "staging", run_id, "creating_tables", "create tables")
    publish_event(redis, "staging", run_id, "failed", "gave up")

    summary = client.get("/infra")
    detail = client.get("/infra/staging")

    assert summary.status_code == 200 and 'id="env-staging"' in summary.text and "throttled" in summary.text
    assert detail.text.index("gave up") < detail.text.index("create tables"), "newest first"
    assert run_id in detail.text
    assert client.get("/infra/nowhere").status_code == 404


def test_pull_request_with_diagnoses_and_fixes(client: TestClient) -> None:
    repository, number = f"acme/repo-{uuid.uuid4().hex[:6]}", 7
    state.save_pull(repository, state.PullState(number=number, head_sha="a" * 40, head_ref="feature"))
    state.save_analysis(
        repository,
        number,
        99,
        {
            "name": "lint",
            "head_sha": "a" * 40,
            "category": "lint",
            "confidence": 0.9,
            "summary": "ruff found unused imports",
            "errors": ["raw"],
        },
    )
    history.record(repository, number, history.Event("a" * 40, "lint_fix", "pushed", "ruff --fix", "lint", "b" * 40))

    looked_up = client.get("/pulls", params={"ref": f"{repository}#{number}"})
    detail = client.get(looked_up.headers["location"])

    assert looked_up.status_code == 303
    assert "ruff found unused imports" in detail.text and "pushed" in detail.text and "b" * 12 in detail.text
    assert client.get("/pulls", params={"ref": "not a reference"}).status_code == 400
