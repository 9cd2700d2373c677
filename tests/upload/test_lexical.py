"""The lexical (BM25) index: kept in step by ingestion, read alone by a search."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tasks.settings import Settings
from tasks.upload import lexical, vector_store
from tasks.upload.embedding.hashing import HashingEmbedder
from tests.harness.workers import WorkerProcess
from tests.upload.helpers import chunk_ids, ingest


def lexical_ids(settings: Settings, collection: str, query: str, n: int = 50) -> list[str]:
    store = vector_store.Store.from_settings(settings)
    return [id_ for id_, _, _ in lexical.rank(store.lexical, collection, query, n)]


def write(settings: Settings, collection: str, texts: list[str]) -> None:
    """Chunks written as the pipeline writes them (Chroma and the index), one document each."""
    embedder = HashingEmbedder()
    vector_store.write_chunks(
        vector_store.Store.from_settings(settings),
        collection,
        embedder.name,
        [vector_store.chunk_id(f"doc{n}", 0) for n in range(len(texts))],
        embedder.embed(texts),
        texts,
        [{"document_id": f"doc{n}", "chunk_index": 0} for n in range(len(texts))],
    )


def test_reingestion_and_forced_duplicates_leave_no_stale_hits(
    worker: WorkerProcess, folder: Path, collection: str, settings: Settings
) -> None:
    # Given a document of several chunks, all naming OLDMARK41 (no parts shared with NEWMARK42)
    (folder / "v1.txt").write_text(" ".join(f"Part {n} of the manual mentions OLDMARK41." for n in range(12)))
    first = ingest(
        source=str(folder / "v1.txt"), collection=collection, document_id="manual", chunk_size=60, chunk_overlap=0
    )
    assert sorted(lexical_ids(settings, collection, "OLDMARK41")) == chunk_ids(collection, "manual")
    assert first["chunk_count"] > 3

    # When it is ingested again with shorter content
    (folder / "v2.txt").write_text("The manual now names NEWMARK42 only.")
    second = ingest(
        source=str(folder / "v2.txt"), collection=collection, document_id="manual", chunk_size=60, chunk_overlap=0
    )

    # Then the index holds exactly the new chunks
    assert second["chunk_count"] == 1
    assert lexical_ids(settings, collection, "OLDMARK41") == []
    assert lexical_ids(settings, collection, "NEWMARK42") == chunk_ids(collection, "manual") == ["manual:000000"]

    # And a forced copy under another id takes the content's chunks from their holder
    (folder / "copy.txt").write_text((folder / "v2.txt").read_text())
    ingest(source=str(folder / "copy.txt"), collection=collection, document_id="copy", force=True)
    assert lexical_ids(settings, collection, "NEWMARK42") == ["copy:000000"]
    assert lexical_ids(settings, collection, "manual") == ["copy:000000"]


def test_a_fresh_process_searches_without_reading_the_collection(collection: str, settings: Settings) -> None:
    texts = [f"Chunk {n}: the scheduler retries the job with backoff." for n in range(3000)]
    texts[1234] += " It fails with ERR_QUOTA_9917 when the quota is spent."
    write(settings, collection, texts)

    # A `get` would be a read of the collection; a search must rank with `query` and the index alone.
    script = textwrap.dedent(
        f"""
        import json
        from chromadb.api.models.Collection import Collection

        def refuse(*args, **kwargs):
            raise AssertionError("the search read the collection")

        Collection.get = refuse
        from tasks.settings import get_settings
        from tasks.upload.retrieval import search

        settings = get_settings()
        found = [search(settings, {collection!r}, "ERR_QUOTA_9917", k=3, mode=mode) for mode in ("hybrid", "lexical")]
        print(json.dumps([[hit["document_id"] for hit in hits] for hits in found]))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    hybrid, only_lexical = json.loads(done.stdout.strip().splitlines()[-1])
    assert "doc1234" in hybrid
    assert only_lexical == ["doc1234"]


def test_identifiers_match_whole_and_in_parts(tmp_path: Path) -> None:
    texts = ["Call os.path.join to build the path.", "Set max_retries to three.", "Nothing to see here."]
    lexical.write(tmp_path, "c", ["a", "b", "c"], texts, [{"document_id": x, "chunk_index": 0} for x in "abc"])

    def ids(query: str) -> list[str]:
        return [id_ for id_, _, _ in lexical.rank(tmp_path, "c", query, 5)]

    assert ids("os.path.join") == ["a"]
    assert ids("join") == ["a"]
    assert ids("retry settings") == ["b"]
    assert ids("max_retries") == ["b"]
    assert ids("the of") == []


def test_common_terms_give_way_to_rare_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexical, "POSTINGS_BUDGET", 3)
    texts = [f"the queue worker {n}" for n in range(6)] + ["the queue worker drains the backlog"]
    ids = [f"d{n}" for n in range(len(texts))]
    lexical.write(tmp_path, "c", ids, texts, [{"document_id": id_, "chunk_index": 0} for id_ in ids])

    def ranked(query: str, n: int) -> list[str]:
        return [id_ for id_, _, _ in lexical.rank(tmp_path, "c", query, n)]

    # `backlog` is rare: BM25 over it alone; `queue` and `worker` are past the budget.
    assert ranked("queue worker backlog", 5) == ["d6"]
    # Only common terms: the newest chunks holding them all.
    assert ranked("queue worker", 2) == ["d6", "d5"]


def test_rebuild_from_the_store(collection: str, settings: Settings) -> None:
    write(settings, collection, ["an index lost with ERR_DISK_0042", "another chunk"])
    store = vector_store.Store.from_settings(settings)
    lexical.drop(store.lexical, collection)
    assert lexical_ids(settings, collection, "ERR_DISK_0042") == []

    assert vector_store.rebuild_lexical(store, collection, HashingEmbedder.name) == 2
    assert lexical_ids(settings, collection, "ERR_DISK_0042") == ["doc0:000000"]
