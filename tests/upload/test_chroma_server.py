"""Server mode (`TASKS_UPLOAD__CHROMA_URL`) against a real `chroma run`, and a store that is down."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from celery import Celery

from tests.harness.workers import wait_for
from tests.upload.chroma_server import ChromaServer
from tests.upload.helpers import INGEST_TIMEOUT_S, dead_letter, ingest, submit

if TYPE_CHECKING:
    from tasks.settings import Settings


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma").start()
    yield server
    server.stop()


@pytest.fixture
def use_chroma(settings: Settings) -> Iterator[Callable[[str], Settings]]:
    """Factory: this test process's settings pointed at a Chroma server too."""
    from pydantic import AnyHttpUrl

    from tasks.upload import vector_store

    def use(url: str) -> Settings:
        vector_store.reset_server_client()
        return settings.model_copy(
            update={"upload": settings.upload.model_copy(update={"chroma_url": AnyHttpUrl(url)})}
        )

    yield use
    vector_store.reset_server_client()


def test_two_worker_processes_share_a_chroma_server(
    chroma: ChromaServer,
    use_chroma: Callable[[str], Settings],
    isolated_worker: Callable[..., Celery],
    folder: Path,
    collection: str,
) -> None:
    from tasks.upload.probes import check_vector_store
    from tasks.upload.retrieval import search

    client = isolated_worker({"TASKS_UPLOAD__CHROMA_URL": chroma.url}, concurrency=2)
    topics = ["volcanoes erupt with molten lava", "penguins huddle on the ice", "violins need rosin on the bow"]
    for number, topic in enumerate(topics):
        (folder / f"{number}.txt").write_text(f"Document {number}. In this note, {topic}. " * 5)
    pending = [submit(client, source=str(folder / f"{n}.txt"), collection=collection) for n in range(len(topics))]
    results = [result.get(timeout=INGEST_TIMEOUT_S) for result in pending]
    settings = use_chroma(chroma.url)

    for result, topic in zip(results, topics, strict=True):
        hits = search(settings, collection, topic, k=1)
        assert hits[0]["document_id"] == result["document_id"]
    assert check_vector_store(settings).status == "healthy"
    assert chroma.url in check_vector_store(settings).message


def test_store_down_is_retried_until_it_is_back(
    chroma: ChromaServer, isolated_worker: Callable[..., Celery], folder: Path, collection: str
) -> None:
    from tasks.upload import get_document

    client = isolated_worker(
        {"TASKS_UPLOAD__CHROMA_URL": chroma.url, "TASKS_RETRY__MAX_RETRIES": "20", "TASKS_RETRY__BACKOFF_MAX_S": "0.5"}
    )
    chroma.stop()
    (folder / "doc.txt").write_text("Written while the store was down, stored once it came back.")

    pending = submit(client, source=str(folder / "doc.txt"), collection=collection, document_id=f"wait-{collection}")
    wait_for(
        lambda: "will retry" in str((get_document(f"wait-{collection}") or {}).get("error")),
        timeout_s=30,
        what="a retry recorded",
    )
    chroma.start()

    result = pending.get(timeout=INGEST_TIMEOUT_S)
    assert result["status"] == "completed"
    record = get_document(f"wait-{collection}")
    assert record is not None and record["status"] == "completed" and record["error"] is None


def test_store_down_for_good_exhausts_retries(
    isolated_worker: Callable[..., Celery], folder: Path, collection: str
) -> None:
    from tasks.upload import get_document
    from tests.harness.services import free_port

    client = isolated_worker(
        {"TASKS_UPLOAD__CHROMA_URL": f"http://127.0.0.1:{free_port()}", "TASKS_RETRY__MAX_RETRIES": "2"}
    )
    (folder / "doc.txt").write_text("Nowhere to store this.")

    pending = submit(client, source=str(folder / "doc.txt"), collection=collection, document_id=f"down-{collection}")
    with pytest.raises(Exception, match="Chroma unreachable"):
        pending.get(timeout=INGEST_TIMEOUT_S)

    entry = dead_letter(pending.id)
    assert entry["reason"] == "retries_exhausted"
    assert entry["retries"] >= 2
    record = get_document(f"down-{collection}")
    assert record is not None and record["status"] == "failed"
    assert "Chroma unreachable" in record["error"]


def test_ingest_needs_no_server_when_embedded(worker: object, folder: Path, collection: str) -> None:
    (folder / "doc.txt").write_text("Embedded mode works without any server.")

    assert ingest(source=str(folder / "doc.txt"), collection=collection)["status"] == "completed"


def test_health_check_reports_a_store_that_is_down(use_chroma: Callable[[str], Settings]) -> None:
    from tasks.core.probe import run_check
    from tasks.upload.probes import check_vector_store
    from tests.harness.services import free_port

    settings = use_chroma(f"http://127.0.0.1:{free_port()}")

    result = run_check(lambda: check_vector_store(settings))

    assert result.status == "unhealthy"
    assert "Chroma unreachable" in result.message
