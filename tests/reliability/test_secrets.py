"""Scenario: secrets. Tasks that succeed and fail across uploads, pr and reports, with every
secret configured (some holding a quote, a backslash, a newline, non-ASCII), then every place a
value can end up in is scanned for every secret in every form it could take: 0 hits.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from celery import Celery
from celery.result import AsyncResult

from tests.github.fake_github import FakeGitHub
from tests.github.test_auth import APP_ID, INSTALLATION_ID, rsa_pair
from tests.harness import loopback
from tests.harness.services import free_port
from tests.harness.workers import WorkerProcess, wait_for
from tests.reliability.figures import Figures
from tests.reports.test_daily_summary import Webhook
from tests.test_flower import start_flower
from tests.upload.fake_openai import FakeOpenAI

GITHUB_TOKEN = 'ghp_tok"en\\0451'
WEBHOOK_SECRET = 'whsec-"quote\\back\nnew-line-ünïcödé-0451'
EMBEDDING_KEY = 'sk-emb-"key\\0451'
CHAT_KEY = 'sk-chat-"key\\0451'
EMBEDDING_USER_INFO = ("emb-user", 'emb"päss-0451')
CHAT_USER_INFO = ("chat-user", "chat-pass-0451")
FLOWER_AUTH = 'admin:flower-"pw\\0451'
WEBHOOK_PATH = "/services/T0451/B0451/hook-secret-0451"
WEBHOOK_QUERY_TOKEN = "hook-query-0451"
#: Posts the report webhook fails: every attempt of the first delivery (`reports.deliver_summary` retries 8 times).
WEBHOOK_FAILURES = 9
#: Bound on each scenario task.
TASK_TIMEOUT_S = 120


def quoted(text: str) -> str:
    return quote(text, safe="")


def forms(secret: str) -> set[str]:
    """The secret as is and JSON-escaped, with and without `ensure_ascii`."""
    return {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}


@pytest.fixture
def fakes(app: Celery) -> Iterator[tuple[FakeGitHub, FakeOpenAI, Webhook]]:
    app.control.purge()
    github = FakeGitHub(token=GITHUB_TOKEN).start()
    openai = FakeOpenAI(throttle_first=1).start()
    webhook = loopback.serve(Webhook(failures=WEBHOOK_FAILURES))
    yield github, openai, webhook
    loopback.close(webhook)
    assert openai.server is not None
    loopback.close(openai.server)
    github.stop()


def hits_in(text: str, secrets: set[str]) -> list[str]:
    return sorted(secret for secret in secrets if secret in text)


def redis_dump() -> str:
    """Every value of every key in the platform's Redis database (records, results, dead letters, queues)."""
    from tasks.redis_client import get_redis

    client = get_redis()
    parts: list[str] = []
    for name in client.scan_iter(count=500):
        kind = client.type(name)
        if kind == "string":
            parts.append(str(client.get(name)))
        elif kind == "hash":
            parts.append(json.dumps(client.hgetall(name)))
        elif kind == "list":
            parts.append(json.dumps(client.lrange(name, 0, -1)))
        elif kind == "set":
            parts.append(json.dumps(sorted(client.smembers(name))))
        elif kind == "zset":
            parts.append(json.dumps(client.zrange(name, 0, -1)))
        parts.append(str(name))
    return "\n".join(parts)


def test_no_configured_secret_reaches_logs_records_results_or_flower(
    app: Celery,
    start_worker: Callable[..., WorkerProcess],
    fakes: tuple[FakeGitHub, FakeOpenAI, Webhook],
    run_dir: Path,
    figures: Figures,
    full_size: bool,
) -> None:
    from tasks.deadletter import list_entries
    from tasks.settings import get_settings
    from tasks.upload import get_document

    github, openai, webhook = fakes
    private_key, public_key = rsa_pair()
    github.enable_app(APP_ID, public_key)
    repository = f"acme/secrets-{uuid.uuid4().hex[:8]}"
    github.add_pull(github.add_repo(repository), 1, {"README.md": "hello\n"})
    base = openai.url.removeprefix("http://")
    user, password = EMBEDDING_USER_INFO
    common = {
        "TASKS_GITHUB__API_URL": github.url,
        "TASKS_GITHUB__WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TASKS_GITHUB__REQUEST_TIMEOUT_S": "5",
        "TASKS_UPLOAD__EMBEDDER": "openai",
        "TASKS_UPLOAD__EMBEDDING_URL": f"http://{user}:{quoted(password)}@{base}/v1",
        "TASKS_UPLOAD__EMBEDDING_API_KEY": EMBEDDING_KEY,
        "TASKS_UPLOAD__CHAT_URL": f"http://{CHAT_USER_INFO[0]}:{CHAT_USER_INFO[1]}@{base}/v1",
        "TASKS_UPLOAD__CHAT_API_KEY": CHAT_KEY,
        "TASKS_UPLOAD__CHAT_MODEL": "fake-chat",
        "TASKS_REPORTS__WEBHOOK_URL": f"http://127.0.0.1:{webhook.server_address[1]}{WEBHOOK_PATH}"
        f"?token={WEBHOOK_QUERY_TOKEN}",
        "TASKS_FLOWER__BASIC_AUTH": FLOWER_AUTH,
        # httpx logs every request's URL at INFO: asked for here, so the logs are a place URLs reach.
        "TASKS_HTTP_LOG_LEVEL": "INFO",
        "TASKS_RETRY__MAX_RETRIES": "1",
    }
    app_credentials = {
        "TASKS_GITHUB__APP_ID": str(APP_ID),
        "TASKS_GITHUB__APP_PRIVATE_KEY": private_key,
        "TASKS_GITHUB__APP_INSTALLATION_ID": str(INSTALLATION_ID),
    }
    flower_port = free_port()
    flower, flower_log = start_flower(run_dir, **common, TASKS_FLOWER__PORT=str(flower_port))
    flower_url = f"http://127.0.0.1:{flower_port}"
    auth = {"Authorization": "Basic " + base64.b64encode(FLOWER_AUTH.encode()).decode()}
    try:
        wait_for(lambda: _answers(flower, flower_url), timeout_s=60, what="Flower answering")
        # Given: a JSON-logging worker with GitHub App credentials on `pr`, a text-logging one with a
        # token on the other queues (`pr.analyze_check_failure` runs on `pr.priority`).
        workers = [
            start_worker(env={**common, **app_credentials, "TASKS_LOG_FORMAT": "json"}, queues=["pr"], concurrency=1),
            start_worker(
                env={**common, "TASKS_GITHUB__TOKEN": GITHUB_TOKEN, "TASKS_LOG_FORMAT": "text"},
                queues=["uploads", "scheduled", "default", "pr.priority"],
                concurrency=1,
            ),
        ]
        wait_for(lambda: _flower_lists(flower_url, auth, workers), timeout_s=60, what="the workers in Flower")

        # When: tasks that succeed and fail run on uploads, pr and reports.
        sent, document_ids = _run_tasks(app, repository, 4 if full_size else 2)
        completed = sum(1 for result, _ in sent if result.successful())
        failed = [name for result, name in sent if result.failed()]
        wait_for(lambda: _flower_has(flower_url, auth, [r.id for r, _ in sent]), timeout_s=60, what="tasks in Flower")

        # Then: no secret, in any form, anywhere.
        bearers = (record.authorization for record in github.recorded())
        minted = {value.removeprefix("Bearer ") for value in bearers if value.startswith("Bearer ")}
        minted.discard(GITHUB_TOKEN)
        assert len(minted) >= 2, "the App credentials minted no JWT or installation token"
        secrets: set[str] = set()
        for secret in (
            GITHUB_TOKEN,
            WEBHOOK_SECRET,
            EMBEDDING_KEY,
            CHAT_KEY,
            f"{user}:{password}",
            password,
            quoted(password),
            f"{CHAT_USER_INFO[0]}:{CHAT_USER_INFO[1]}",
            CHAT_USER_INFO[1],
            WEBHOOK_PATH,
            WEBHOOK_QUERY_TOKEN,
            FLOWER_AUTH,
            FLOWER_AUTH.split(":", 1)[1],
            private_key,
            max(private_key.splitlines(), key=len),
            *minted,
        ):
            secrets |= forms(secret)
        tasks_json = httpx.get(f"{flower_url}/api/tasks", headers=auth, timeout=30).text
        places = {
            **{f"log of {worker.name}": worker.log() for worker in workers},
            "Flower log": flower_log.read_text(),
            "Flower task list": tasks_json,
            "Flower task details": " ".join(
                httpx.get(f"{flower_url}/api/task/info/{result.id}", headers=auth, timeout=30).text
                for result, _ in sent
            ),
            "Flower database": _read_all(get_settings().data_dir.glob("flower.db*")),
            "dead letters": json.dumps(list_entries(limit=10_000)),
            "results": json.dumps([[r.state, repr(r.result), r.traceback] for r, _ in sent]),
            "document records": json.dumps([get_document(document_id) for document_id in document_ids]),
            "Redis": redis_dump(),
        }
        hits = {place: hits_in(text, secrets) for place, text in places.items()}
        total = sum(len(found) for found in hits.values())

        figures.load = f"{len(sent)} tasks on uploads, pr, reports; 2 workers (json, text logs), Flower"
        figures.faults = "429 from the embedder, 500s from the report webhook, missing files, unknown pull request"
        figures.sent = len(sent)
        figures.completed = completed
        figures.notes = {"failed": len(failed), "places_scanned": len(places), "hits": total}
        assert completed >= len(sent) // 2 and len(failed) >= 3, [(r.id, n, r.state) for r, n in sent]
        assert any(post for post in webhook.posts) and openai.requests
        assert any(value.startswith("Bearer ghp_") for value in (r.authorization for r in github.recorded()))
        assert all("***" in places[f"log of {worker.name}"] for worker in workers)
        assert total == 0, {place: found for place, found in hits.items() if found}
    finally:
        flower.terminate()
        flower.wait(20)


def _run_tasks(app: Celery, repository: str, documents: int) -> tuple[list[tuple[AsyncResult, str]], list[str]]:
    """Send the mix and wait for each to finish; returns (result, task name) pairs and the document ids."""
    from tasks.deadletter import list_entries
    from tasks.settings import get_settings

    root = get_settings().upload.storage_root
    root.mkdir(parents=True, exist_ok=True)
    collection = f"s_{uuid.uuid4().hex[:10]}"
    calls: list[tuple[str, dict[str, Any]]] = []
    document_ids = []
    for index in range(documents):
        path = root / f"secrets-{uuid.uuid4().hex[:8]}.txt"
        path.write_text(f"Document {index} about keeping credentials out of logs.\n" * 20)
        document_ids.append(f"secrets-{uuid.uuid4().hex[:10]}")
        options = {"num_questions": 1} if index == 0 else {}
        calls.append(("uploads.process_document", {"source": str(path), "collection": collection, **options}))
        calls[-1][1]["document_id"] = document_ids[-1]
    document_ids.append(f"secrets-{uuid.uuid4().hex[:10]}")
    calls.append(("uploads.process_document", {"source": str(root / "missing.txt"), "document_id": document_ids[-1]}))
    calls += [
        ("pr.monitor_repository", {"repository": repository}),
        ("pr.check_pull_request", {"repository": repository, "number": 1}),
        ("pr.check_pull_request", {"repository": repository, "number": 999}),
        ("pr.handle_webhook", {"event": "ping", "delivery_id": uuid.uuid4().hex, "payload": {"zen": "hi"}}),
        ("pr.analyze_check_failure", {"repository": repository, "check_run_id": 404_404}),
    ]
    sent = [(app.send_task(name, kwargs=kwargs), name) for name, kwargs in calls]
    for result, _ in sent:
        _wait(result)
    # Reports: the first delivery fails every attempt (dead-lettered), the second is posted.
    for _ in range(2):
        before = len(list_entries(task="reports.deliver_summary"))
        summary = app.send_task("reports.daily_summary")
        sent.append((summary, "reports.daily_summary"))
        _wait(summary)
        deliveries = summary.children or []
        for delivery in deliveries:
            sent.append((delivery, "reports.deliver_summary"))
            _wait(delivery)
        assert deliveries or len(list_entries(task="reports.deliver_summary")) > before
    return sent, document_ids


def _wait(result: AsyncResult) -> None:
    wait_for(lambda: result.ready(), timeout_s=TASK_TIMEOUT_S, interval_s=0.2, what=f"task {result.id}")


def _answers(flower: Any, url: str) -> bool:
    assert flower.poll() is None, "Flower exited"
    try:
        return httpx.get(f"{url}/healthcheck", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _flower_lists(url: str, auth: dict[str, str], workers: list[WorkerProcess]) -> bool:
    answer = httpx.get(f"{url}/api/workers", params={"refresh": "1"}, headers=auth, timeout=15)
    return answer.status_code == 200 and all(worker.name in answer.json() for worker in workers)


def _flower_has(url: str, auth: dict[str, str], task_ids: list[str]) -> bool:
    listed = httpx.get(f"{url}/api/tasks", headers=auth, timeout=30).json()
    return all(task_id in listed for task_id in task_ids)


def _read_all(paths: Iterator[Path]) -> str:
    return "\n".join(path.read_bytes().decode("utf-8", errors="replace") for path in paths)
