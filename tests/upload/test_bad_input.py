"""Bad input: a clear error, a `failed` record or a validation error, a dead letter, a worker still running."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from tests.harness.workers import WorkerProcess
from tests.upload.factories import filler_pages, make_pdf
from tests.upload.helpers import INGEST_TIMEOUT_S, dead_letter, ingest, submit


def fail(client: Celery | None = None, **kwargs: Any) -> tuple[str, str]:
    """Submit, expect failure; return (task id, error text)."""
    result = submit(client, **kwargs)
    with pytest.raises(Exception) as raised:
        result.get(timeout=INGEST_TIMEOUT_S)
    return result.id, str(raised.value)


def assert_still_serving(worker: WorkerProcess, folder: Path, collection: str) -> None:
    assert worker.process is not None and worker.process.poll() is None
    (folder / "fine.txt").write_text("A perfectly ordinary document about harbour cranes.")
    assert ingest(source=str(folder / "fine.txt"), collection=collection)["status"] == "completed"


def assert_failed_permanently(
    task_id: str, error: str, document_id: str, problem: str, reason: str = "non_retryable"
) -> None:
    from tasks.upload import get_document

    assert problem in error
    record = get_document(document_id)
    assert record is not None
    assert record["status"] == "failed"
    assert problem in record["error"]
    entry = dead_letter(task_id)
    assert entry["reason"] == reason
    assert problem in entry["exception_message"]


def escaping_symlink(folder: Path, tmp_path: Path) -> str:
    secret = tmp_path / "secret.txt"
    secret.write_text("never read")
    os.symlink(secret, folder / "escape.txt")
    return str(folder / "escape.txt")


OUTSIDE = "is outside the storage root"


@pytest.mark.parametrize(
    ("make_source", "problem"),
    [
        (lambda folder, tmp: "/etc/passwd", f"source: '/etc/passwd' {OUTSIDE}"),
        (lambda folder, tmp: "/etc/no-such-file", f"source: '/etc/no-such-file' {OUTSIDE}"),
        (lambda folder, tmp: "file:///etc/passwd", f"source: 'file:///etc/passwd' {OUTSIDE}"),
        (lambda folder, tmp: f"{folder.name}/../../../etc/passwd", OUTSIDE),
        (escaping_symlink, OUTSIDE),
        (lambda folder, tmp: str(folder / "nul\x00.txt"), "source: contains a NUL character"),
        (lambda folder, tmp: f"file://{folder}/nul%00.txt", "source: contains a NUL character"),
        (lambda folder, tmp: "gopher://example.com/doc", "source: scheme 'gopher' is not supported"),
        (lambda folder, tmp: "s3://any-bucket/doc.txt", "source: s3:// sources are refused"),
    ],
    ids=["absolute", "absolute-missing", "file-uri", "dotdot", "symlink", "nul", "nul-uri", "scheme", "s3-off"],
)
def test_sources_that_may_not_be_read_are_invalid_arguments(
    worker: WorkerProcess,
    folder: Path,
    tmp_path: Path,
    collection: str,
    make_source: Callable[[Path, Path], str],
    problem: str,
) -> None:
    document_id = f"bad-{collection}"

    task_id, error = fail(source=make_source(folder, tmp_path), collection=collection, document_id=document_id)

    assert "invalid arguments for uploads.process_document: source: " in error
    assert_failed_permanently(task_id, error, document_id, problem, reason="validation_error")
    assert_still_serving(worker, folder, collection)


def test_a_missing_file_inside_the_root_is_not_found(worker: WorkerProcess, folder: Path, collection: str) -> None:
    document_id = f"bad-{collection}"

    task_id, error = fail(source=str(folder / "missing.pdf"), collection=collection, document_id=document_id)

    assert_failed_permanently(task_id, error, document_id, "does not exist")


def test_failure_before_hashing_is_recorded_under_the_task_id(worker: WorkerProcess, collection: str) -> None:
    from tasks.upload import get_document

    task_id, _ = fail(source="/etc/passwd", collection=collection)

    record = get_document(f"task-{task_id}")
    assert record is not None and record["status"] == "failed"
    assert "outside the storage root" in record["error"]


def write_png(folder: Path) -> Path:
    path = folder / "picture.pdf"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(512))
    return path


def write_corrupt_pdf(folder: Path) -> Path:
    data = make_pdf(folder / "whole.pdf", filler_pages(3)).read_bytes()
    path = folder / "broken.pdf"
    path.write_bytes(data[: len(data) // 3])
    return path


def write_empty(folder: Path) -> Path:
    path = folder / "blank.txt"
    path.write_text("  \n\n\t \n")
    return path


@pytest.mark.parametrize(
    ("make_file", "problem"),
    [
        (write_png, "is a PNG image, not a supported document format"),
        (write_corrupt_pdf, "is a damaged PDF"),
        (write_empty, "holds no text"),
    ],
    ids=["unsupported", "corrupt", "empty"],
)
def test_content_that_cannot_be_ingested(
    worker: WorkerProcess, folder: Path, collection: str, make_file: Callable[[Path], Path], problem: str
) -> None:
    document_id = f"bad-{collection}"

    task_id, error = fail(source=str(make_file(folder)), collection=collection, document_id=document_id)

    assert_failed_permanently(task_id, error, document_id, problem)
    assert_still_serving(worker, folder, collection)


def test_file_size_mismatch(worker: WorkerProcess, folder: Path, collection: str) -> None:
    path = folder / "sized.txt"
    path.write_text("twelve bytes")

    task_id, error = fail(source=str(path), file_size=13, collection=collection, document_id=f"bad-{collection}")

    assert_failed_permanently(task_id, error, f"bad-{collection}", "is 12 bytes but file_size says 13")


def test_file_over_the_size_limit(isolated_worker: Callable[..., Celery], folder: Path, collection: str) -> None:
    client = isolated_worker({"TASKS_UPLOAD__MAX_FILE_BYTES": "1000"})
    path = folder / "big.txt"
    path.write_text("word " * 400)

    task_id, error = fail(client, source=str(path), collection=collection, document_id=f"bad-{collection}")

    assert_failed_permanently(task_id, error, f"bad-{collection}", "2000 bytes, over the limit of 1000 bytes")


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"collection": "no spaces allowed"}, "collection: String should match pattern"),
        ({"collection": "x" * 64}, "collection: String should match pattern"),
        ({"chunk_size": 100, "chunk_overlap": 100}, "chunk_overlap (100) must be less than chunk_size (100)"),
        ({"chunk_size": 1000, "chunk_overlap": 999}, "chunk_overlap (999) leaves a step of 1; chunk_size - chunk_"),
        ({"num_questions": 2}, "TASKS_UPLOAD__CHAT_URL is not set"),
        ({"chunking_strategy": "paragraphs"}, "chunking_strategy"),
    ],
    ids=["collection-chars", "collection-length", "overlap", "tiny-step", "questions", "strategy"],
)
def test_invalid_arguments_are_refused_before_any_work(
    worker: WorkerProcess, folder: Path, collection: str, arguments: dict[str, Any], problem: str
) -> None:
    from tasks.upload import get_document

    (folder / "doc.txt").write_text("some text")
    document_id = f"never-{collection}"

    task_id, error = fail(source=str(folder / "doc.txt"), document_id=document_id, **arguments)

    assert "invalid arguments for uploads.process_document" in error
    assert problem in error
    assert get_document(document_id) is None
    entry = dead_letter(task_id)
    assert entry["reason"] == "validation_error"
    assert problem in entry["exception_message"]
    assert_still_serving(worker, folder, collection)
