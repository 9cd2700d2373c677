"""`uploads.process_document` end to end: a real worker, real Redis, real (embedded) Chroma."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from tasks.settings import Settings
from tasks.upload.vector_store import chunk_id
from tests.harness.workers import WorkerProcess
from tests.upload.factories import filler_pages, make_docx, make_pdf
from tests.upload.helpers import chunk_ids, ingest, submit

KNOWN = "The zebra crossing schedule changes every Thursday at dawn."


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_markdown(path: Path) -> Path:
    path.write_text(
        "# Operations Guide\n\nHow the team runs things.\n\n## Deployment\n\nWe deploy with care.\n\n"
        f"### Rollback\n\n{KNOWN}\n\n## Support\n\nCall the on-call engineer.\n"
    )
    return path


def write_html(path: Path) -> Path:
    path.write_text(
        "<html><head><title>Ops page</title><script>var zebra = 'not text';</script></head>"
        f"<body><h1>Ops</h1><p>Intro paragraph.</p><p>{KNOWN}</p></body></html>"
    )
    return path


def assert_record(record: dict[str, Any] | None, **expected: Any) -> dict[str, Any]:
    assert record is not None
    for name, value in expected.items():
        assert record[name] == value, name
    for stamp in ("created_at", "updated_at"):
        assert datetime.fromisoformat(record[stamp]).tzinfo is not None
    return record


@pytest.mark.parametrize(
    ("kind", "pages", "known_page", "strategy"),
    [("pdf", 8, 7, "recursive"), ("docx", 3, 2, "sentence"), ("md", 1, 1, "markdown"), ("html", 1, 1, "fixed")],
)
def test_formats_end_to_end(
    worker: WorkerProcess,
    folder: Path,
    collection: str,
    settings: Settings,
    kind: str,
    pages: int,
    known_page: int,
    strategy: str,
) -> None:
    from tasks.upload import get_document, search
    from tasks.upload.pipeline import derive_document_id

    if kind == "pdf":
        path = make_pdf(folder / "report.pdf", filler_pages(8, special={7: KNOWN}), title="Ops Review")
    elif kind == "docx":
        path = make_docx(folder / "memo.docx", [["Opening page."], ["Middle page.", KNOWN], ["Closing page."]])
    elif kind == "md":
        path = write_markdown(folder / "guide.md")
    else:
        path = write_html(folder / "page.html")

    result = ingest(
        source=str(path), collection=collection, chunking_strategy=strategy, chunk_size=300, chunk_overlap=30
    )

    document_id = derive_document_id(collection, sha256(path))
    chunk_count = result["chunk_count"]
    assert result == {
        "document_id": document_id,
        "status": "completed",
        "collection": collection,
        "chunk_count": chunk_count,
        "pages": pages,
        "duplicate_of": None,
    }
    assert chunk_count >= 1
    assert chunk_ids(collection, document_id) == [chunk_id(document_id, index) for index in range(chunk_count)]
    record = assert_record(
        get_document(document_id),
        status="completed",
        stage="completed",
        progress=100,
        collection=collection,
        filename=path.name,
        content_sha256=sha256(path),
        chunk_count=chunk_count,
        error=None,
    )
    assert record["metadata"]["page_count"] == pages
    assert record["metadata"]["language"] == "en"

    hits = search(collection, "when does the zebra crossing schedule change", k=3)

    top = hits[0]
    assert KNOWN in " ".join(top["text"].split())
    assert top["document_id"] == document_id
    assert known_page in top["metadata"]["pages"]
    assert top["metadata"]["filename"] == path.name
    assert top["metadata"]["language"] == "en"
    if kind == "pdf":
        assert top["metadata"]["title"] == "Ops Review"
        assert top["metadata"]["author"] == "Ada Tester"
    if kind == "md":
        assert top["metadata"]["headings"] == "Operations Guide > Deployment > Rollback"


def test_progress_is_reported_while_a_large_document_runs(worker: WorkerProcess, folder: Path, collection: str) -> None:
    from tasks.upload import get_document

    path = folder / "large.txt"
    path.write_text(
        "\n\n".join(f"Paragraph {n}. " + "Lorem ipsum dolor sit amet, consectetur. " * 40 for n in range(3000))
    )
    async_result = submit(source=str(path), collection=collection, chunk_size=500, chunk_overlap=50)

    seen: list[tuple[str, int]] = []
    statuses: set[str] = set()
    while not async_result.ready():
        # One read gives state and meta together: the task may finish between two reads.
        task_meta = async_result.backend.get_task_meta(async_result.id)
        if task_meta["status"] == "PROGRESS":
            meta = task_meta["result"]
            assert set(meta) == {"document_id", "stage", "progress"}
            if not seen or seen[-1] != (meta["stage"], meta["progress"]):
                seen.append((meta["stage"], meta["progress"]))
            record = get_document(meta["document_id"])
            if record is not None:
                statuses.add(record["status"])
    result = async_result.get(timeout=5)

    stages = {"parsing": 10, "chunking": 30, "embedding": 50, "storing": 70, "finalizing": 90, "completed": 100}
    assert seen, "no PROGRESS state observed"
    assert all(stages[stage] == percent for stage, percent in seen)
    assert [percent for _, percent in seen] == sorted(percent for _, percent in seen)
    assert "processing" in statuses
    assert result["status"] == "completed"


def test_identical_content_is_a_duplicate_unless_forced(worker: WorkerProcess, folder: Path, collection: str) -> None:
    from tasks.upload import get_document

    first_path = folder / "first.txt"
    first_path.write_text(KNOWN + " " + "More words to fill a couple of chunks. " * 30)
    copy_path = folder / "copy.txt"
    copy_path.write_bytes(first_path.read_bytes())
    first = ingest(source=str(first_path), collection=collection, chunk_size=200, chunk_overlap=20)

    again = ingest(
        source=str(copy_path), collection=collection, document_id="copy-doc", chunk_size=200, chunk_overlap=20
    )
    same_id = ingest(source=str(first_path), collection=collection, chunk_size=200, chunk_overlap=20)

    assert again == {**first, "document_id": "copy-doc", "status": "duplicate", "duplicate_of": first["document_id"]}
    assert same_id == {**first, "status": "duplicate", "duplicate_of": first["document_id"]}
    assert_record(get_document("copy-doc"), status="duplicate", duplicate_of=first["document_id"], chunk_count=0)
    assert_record(get_document(first["document_id"]), status="completed")
    assert chunk_ids(collection, "copy-doc") == []

    forced = ingest(
        source=str(copy_path),
        collection=collection,
        document_id="copy-doc",
        force=True,
        chunk_size=250,
        chunk_overlap=0,
    )

    assert forced["status"] == "completed"
    assert chunk_ids(collection, "copy-doc") == [chunk_id("copy-doc", i) for i in range(forced["chunk_count"])]
    assert chunk_ids(collection, first["document_id"]) == []
    assert_record(get_document(first["document_id"]), status="duplicate", duplicate_of="copy-doc", chunk_count=0)


def test_s3_source_end_to_end(
    s3_url: str, isolated_worker: Callable[..., Celery], collection: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1")
    client.create_bucket(Bucket="docs-e2e")
    client.put_object(Bucket="docs-e2e", Key="notes/ops.md", Body=write_markdown_bytes())
    client = isolated_worker(
        {"TASKS_AWS__S3_ENDPOINT_URL": s3_url, "TASKS_UPLOAD__S3_BUCKETS": "docs-e2e", **credentials}
    )

    result = ingest(client, source="s3://docs-e2e/notes/ops.md", collection=collection, chunking_strategy="markdown")

    assert result["status"] == "completed"
    assert result["pages"] == 1
    assert len(chunk_ids(collection, result["document_id"])) == result["chunk_count"] >= 3


def write_markdown_bytes() -> bytes:
    return f"# Ops\n\nIntro.\n\n## Deploy\n\nCarefully.\n\n## Rollback\n\n{KNOWN}\n".encode()
