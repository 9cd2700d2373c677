"""The embedded store kept open by each process: other processes' writes and deletes still show."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path

from tasks.upload import vector_store
from tasks.upload.embedding.hashing import HashingEmbedder

EMBEDDER = HashingEmbedder()


def store_at(root: Path) -> vector_store.Store:
    return vector_store.Store(None, root / "chroma", root / "lexical")


def write(root: Path, document: str, text: str) -> None:
    ids = [vector_store.chunk_id(document, 0)]
    metadatas = [{"document_id": document, "chunk_index": 0}]
    vector_store.write_chunks(store_at(root), "c", EMBEDDER.name, ids, EMBEDDER.embed([text]), [text], metadatas)


def delete(root: Path, document: str) -> None:
    vector_store.delete_chunks(store_at(root), "c", EMBEDDER.name, document)


def nearest(root: Path, text: str) -> list[str]:
    hits = vector_store.query(store_at(root), "c", EMBEDDER.name, EMBEDDER.embed([text])[0], 10)
    return [hit.metadata["document_id"] for hit in hits]


def in_process(target: Callable[..., None], *args: object) -> None:
    """Runs `target(*args)` in a new (spawned) process and fails when it fails."""
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=target, args=args)
    process.start()
    process.join(120)
    assert process.exitcode == 0, f"{target} exited with {process.exitcode}"


def test_a_kept_client_sees_writes_and_deletes_of_other_processes(tmp_path: Path) -> None:
    write(tmp_path, "volcano", "lava flows down the volcano")
    assert nearest(tmp_path, "lava volcano") == ["volcano"]
    kept = vector_store._embedded_open

    in_process(write, tmp_path, "penguin", "penguins huddle on the ice")
    assert sorted(nearest(tmp_path, "penguins on ice")) == ["penguin", "volcano"]
    assert vector_store._embedded_open is not kept

    in_process(delete, tmp_path, "volcano")
    assert nearest(tmp_path, "lava volcano") == ["penguin"]


def test_the_client_is_kept_while_no_other_process_writes(tmp_path: Path) -> None:
    write(tmp_path, "volcano", "lava flows down the volcano")
    kept = vector_store._embedded_open
    write(tmp_path, "penguin", "penguins huddle on the ice")
    for _ in range(3):
        assert sorted(nearest(tmp_path, "ice")) == ["penguin", "volcano"]

    assert vector_store._embedded_open is kept


def test_a_store_made_again_at_the_same_path_is_read_again(tmp_path: Path) -> None:
    write(tmp_path / "data", "volcano", "lava flows down the volcano")
    assert nearest(tmp_path / "data", "lava") == ["volcano"]
    in_process(_remake, tmp_path / "data")

    assert nearest(tmp_path / "data", "lava") == ["penguin"]


def _remake(root: Path) -> None:
    import shutil

    shutil.rmtree(root)
    write(root, "penguin", "penguins huddle on the ice")
