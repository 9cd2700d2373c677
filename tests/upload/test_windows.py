"""A chunk stored as several windows: found by its nearest, listed, rewritten and deleted as one chunk."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.upload import vector_store
from tasks.upload.embedding.hashing import HashingEmbedder

EMBEDDER = HashingEmbedder()
CHUNK = "Workers retry failed tasks with backoff. Much later the text turns to penguins on the ice."


def store_at(root: Path) -> vector_store.Store:
    return vector_store.Store(None, root / "chroma", root / "lexical")


def write(root: Path, windows: list[str], document: str = "doc") -> None:
    first, *more = EMBEDDER.embed(windows)
    vector_store.write_chunks(
        store_at(root),
        "c",
        EMBEDDER.name,
        [vector_store.chunk_id(document, 0)],
        [first],
        [CHUNK],
        [{"document_id": document, "chunk_index": 0}],
        [more],
    )


def records(root: Path) -> list[str]:
    with vector_store._client(store_at(root)) as client:
        return sorted(vector_store._collection(client, "c", EMBEDDER.name, create=False).get(include=[])["ids"])


def nearest(root: Path, text: str, k: int = 5) -> list[vector_store.Hit]:
    return vector_store.query(store_at(root), "c", EMBEDDER.name, EMBEDDER.embed([text])[0], k)


def test_a_chunk_is_found_by_its_nearest_window_and_returned_once(tmp_path: Path) -> None:
    write(tmp_path, ["workers retry failed tasks with backoff", "penguins on the ice", "penguins ice"])
    write(tmp_path, ["volcanoes erupt with lava"], document="other")

    hits = nearest(tmp_path, "penguins on the ice")

    assert [hit.id for hit in hits] == ["doc:000000", "other:000000"]
    assert hits[0].text == CHUNK
    assert hits[0].metadata == {"document_id": "doc", "chunk_index": 0}
    assert hits[0].distance == pytest.approx(0, abs=1e-6)


def test_windows_are_records_of_their_own_but_never_listed_as_chunks(tmp_path: Path) -> None:
    write(tmp_path, ["workers retry", "penguins", "ice"])
    store = store_at(tmp_path)

    assert records(tmp_path) == ["doc:000000", "doc:000000~w1", "doc:000000~w2"]
    assert vector_store.document_chunk_ids(store, "c", EMBEDDER.name, "doc") == ["doc:000000"]
    assert [hit.id for hit in vector_store.all_chunks(store, "c", EMBEDDER.name)] == ["doc:000000"]


def test_a_rewrite_with_fewer_windows_leaves_none_of_the_old_ones(tmp_path: Path) -> None:
    write(tmp_path, ["workers retry", "penguins", "ice"])
    write(tmp_path, ["workers retry", "penguins"])
    assert records(tmp_path) == ["doc:000000", "doc:000000~w1"]

    write(tmp_path, ["workers retry"])
    assert records(tmp_path) == ["doc:000000"]


def test_deleting_a_document_deletes_its_windows(tmp_path: Path) -> None:
    write(tmp_path, ["workers retry", "penguins", "ice"])
    write(tmp_path, ["volcanoes erupt with lava"], document="other")

    vector_store.delete_chunks(store_at(tmp_path), "c", EMBEDDER.name, "doc")

    assert records(tmp_path) == ["other:000000"]
