"""`celery -A tasks documents upload|show|search|reindex` as a user runs them."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from tests.harness.cli import celery
from tests.harness.workers import WorkerProcess

documents = partial(celery, "documents")


def test_upload_wait_show_and_search(worker: WorkerProcess, tmp_path: Path, collection: str) -> None:
    outside = tmp_path / "mine"
    outside.mkdir()
    (outside / "tides.md").write_text("# Tides\n\nThe tide table for the harbour is pinned by the door.\n")
    (outside / "ropes.txt").write_text("Mooring ropes are inspected every Monday by the harbour master.\n")

    uploaded = documents(
        "upload",
        str(outside / "tides.md"),
        str(outside / "ropes.txt"),
        "--collection",
        collection,
        "--wait",
        "--json",
        cwd=tmp_path,
    )

    assert uploaded.returncode == 0, uploaded.stderr
    submissions = json.loads(uploaded.stdout)
    assert [item["status"] for item in submissions] == ["SUCCESS", "SUCCESS"]
    assert [item["result"]["status"] for item in submissions] == ["completed", "completed"]
    document_id = submissions[1]["document_id"]

    shown = documents("show", document_id, "--json", cwd=tmp_path)
    record = json.loads(shown.stdout)
    assert record["status"] == "completed"
    assert record["filename"] == "ropes.txt"

    found = documents("search", collection, "when are mooring ropes inspected", "-k", "1", "--json", cwd=tmp_path)
    hits = json.loads(found.stdout)
    assert [hit["document_id"] for hit in hits] == [document_id]

    reindexed = documents("reindex", collection, cwd=tmp_path)
    assert reindexed.stdout.strip() == f"{collection}: 2 chunks indexed", reindexed.stderr
    found = documents("search", collection, "mooring", "-k", "1", "--json", cwd=tmp_path)
    assert [hit["document_id"] for hit in json.loads(found.stdout)] == [document_id]


def test_upload_draws_progress_per_file(worker: WorkerProcess, tmp_path: Path, collection: str) -> None:
    (tmp_path / "a.txt").write_text("First file about anchors.")
    (tmp_path / "b.txt").write_text("Second file about buoys.")

    uploaded = documents(
        "upload", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--collection", collection, "--wait", cwd=tmp_path
    )

    assert uploaded.returncode == 0, uploaded.stderr
    lines = uploaded.stdout.splitlines()
    for name in ("a.txt", "b.txt"):
        assert any(name in line and "100% completed" in line and "#" * 30 in line for line in lines), uploaded.stdout


def test_show_unknown_document_fails_clearly(tmp_path: Path) -> None:
    shown = documents("show", "no-such-document", cwd=tmp_path)

    assert shown.returncode != 0
    assert "no document 'no-such-document'" in shown.stderr
