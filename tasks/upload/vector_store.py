"""Chunks in ChromaDB: a Chroma server (`TASKS_UPLOAD__CHROMA_URL`) or an embedded store.

An embedded Chroma keeps its vector index in each process's memory, so a client opened
before another process's write never sees it in queries (checked with chromadb 1.5; its
count does). With prefork workers every operation therefore runs under an exclusive file
lock, and each write leaves a new generation token beside the store: a process keeps its
client (and the index it loaded) while the token is the one it last saw, and opens the store
afresh when another process has written since. That serialises the store and holds one copy
of its index per process; several workers or hosts should use a Chroma server
(`chroma run --path ... --port ...`). chromadb's bindings do not survive a fork (a child
of a process that used the store hangs in its first call), so a prefork worker's parent
never opens it; its pool processes do.

Every write and delete also goes to the lexical index (`tasks.upload.lexical`), in the same step.
"""

from __future__ import annotations

import fcntl
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import AnyHttpUrl, SecretStr

from tasks.errors import PermanentError
from tasks.redaction import redact_url
from tasks.settings import Settings
from tasks.upload import lexical
from tasks.upload.errors import VectorStoreUnavailable

#: Chunks written per request, so one large document does not make one huge call.
WRITE_BATCH = 500
#: Chunks read per request by `all_chunks`: chromadb 1.5 fails a `get` of ~100,000 at once
#: ("too many SQL variables").
READ_BATCH = 5000


@dataclass(frozen=True)
class Hit:
    id: str
    text: str
    metadata: dict[str, Any]
    distance: float


def chroma_name(collection: str) -> str:
    """Chroma wants 3+ characters starting and ending alphanumeric; platform names may be one `_`."""
    return f"docs-{collection}-chunks"


def chunk_id(document_id: str, index: int) -> str:
    return f"{document_id}:{index:06d}"


@dataclass(frozen=True)
class Store:
    """Where the chunks are: the Chroma server at `url`, or (no `url`) the embedded store at `path`.

    `lexical` is the folder of the lexical indexes, one SQLite file per collection.
    """

    url: AnyHttpUrl | None
    path: Path
    lexical: Path
    #: Server mode: the token, the header it goes in, the tenant and database of the collections.
    token: SecretStr | None = None
    token_header: str = "Authorization"
    tenant: str = "default_tenant"
    database: str = "default_database"

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        upload = settings.upload
        lexical_dir = upload.lexical_index_dir or settings.data_dir / "lexical"
        return cls(
            upload.chroma_url,
            settings.data_dir / "chroma",
            lexical_dir,
            token=upload.chroma_token,
            token_header=upload.chroma_token_header,
            tenant=upload.chroma_tenant,
            database=upload.chroma_database,
        )

    def headers(self) -> dict[str, str]:
        """The token's header for every request to the server; none without a token."""
        if self.token is None:
            return {}
        token = self.token.get_secret_value()
        return {self.token_header: f"Bearer {token}" if self.token_header == "Authorization" else token}


#: The process's Chroma server client and the store it was made for.
_server: tuple[Store, Any] | None = None


def _server_client(store: Store) -> Any:
    """The process's client of the store's server, made on first use (and again for other settings)."""
    global _server
    if _server is not None and _server[0] == store:
        return _server[1]
    reset_server_client()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    url = store.url
    assert url is not None
    try:
        client = chromadb.HttpClient(
            host=url.host or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            headers=store.headers(),
            tenant=store.tenant,
            database=store.database,
            settings=ChromaSettings(anonymized_telemetry=False),
        )
    except ValueError as error:
        if "connect" in str(error).lower():
            raise
        # chromadb turns a refused identity request (401, 403) into a ValueError of the bare body.
        raise VectorStoreUnavailable(
            f"Chroma refused the client ({str(error) or 'no reason given'}): check TASKS_UPLOAD__CHROMA_TOKEN, "
            f"TASKS_UPLOAD__CHROMA_TOKEN_HEADER, and that tenant {store.tenant!r} and database {store.database!r} exist"
        ) from None
    _server = (store, client)
    return client


@contextmanager
def _client(store: Store, *, writes: bool = False) -> Iterator[Any]:
    """A client valid for one operation; connection failures become VectorStoreUnavailable."""
    try:
        if store.url is not None:
            yield _server_client(store)
            return
        with _embedded(store.path, writes) as client:
            yield client
    except (httpx.TransportError, ConnectionError) as error:
        reset_server_client()
        raise VectorStoreUnavailable(f"Chroma unreachable: {type(error).__name__}: {error}") from None
    except ValueError as error:
        if "connect" not in str(error).lower():
            raise
        reset_server_client()
        raise VectorStoreUnavailable(f"Chroma unreachable: {error}") from None


@dataclass
class _Embedded:
    """The process's open embedded client, and the generation of the store it has loaded."""

    path: Path
    generation: str
    client: Any


_embedded_open: _Embedded | None = None


@contextmanager
def _embedded(path: Path, writes: bool) -> Iterator[Any]:
    global _embedded_open
    path.mkdir(parents=True, exist_ok=True)
    marker = path.parent / "chroma.generation"
    with (path.parent / "chroma.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not marker.exists():
                # A new token, not "": a store deleted and made again at the same path is not the one loaded.
                marker.write_text(uuid.uuid4().hex)
            generation = marker.read_text()
            current = _embedded_open
            if current is None or current.path != path or current.generation != generation:
                _close_embedded()
                current = _embedded_open = _Embedded(path, generation, _open_embedded(path))
            try:
                yield current.client
            finally:
                if writes:
                    current.generation = uuid.uuid4().hex
                    marker.write_text(current.generation)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _open_embedded(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def _close_embedded() -> None:
    """Close the process's embedded client, so the next operation reads the store from disk again."""
    global _embedded_open
    if _embedded_open is not None:
        _embedded_open.client.close()
    _embedded_open = None


def reset_server_client() -> None:
    """Close and forget the process's Chroma server client (after a failure, or a settings change)."""
    global _server
    if _server is not None:
        client = _server[1]
        client.close()
        # chromadb 1.5's close() releases the System but leaves the HTTP sessions (the client's
        # and its admin client's) with their sockets open.
        for owner in (client, getattr(client, "_admin_client", None)):
            session = getattr(getattr(owner, "_server", None), "_session", None)
            if session is not None:
                session.close()
    _server = None


def _collection(client: Any, collection: str, embedder: str, create: bool) -> Any:
    name = chroma_name(collection)
    if create:
        found = client.get_or_create_collection(
            name, metadata={"hnsw:space": "cosine", "embedder": embedder}, embedding_function=None
        )
    else:
        try:
            found = client.get_collection(name, embedding_function=None)
        except Exception as error:
            if type(error).__name__ in {"NotFoundError", "InvalidCollectionException"}:
                return None
            raise
    stored = (found.metadata or {}).get("embedder")
    if stored is not None and stored != embedder:
        raise PermanentError(f"collection {collection!r} holds {stored} vectors; the configured embedder is {embedder}")
    return found


def write_chunks(
    store: Store,
    collection: str,
    embedder: str,
    ids: Sequence[str],
    embeddings: Sequence[Sequence[float]],
    texts: Sequence[str],
    metadatas: Sequence[dict[str, Any]],
) -> None:
    """Upsert by id: writing the same chunk twice leaves one copy."""
    with _client(store, writes=True) as client:
        target = _collection(client, collection, embedder, create=True)
        for start in range(0, len(ids), WRITE_BATCH):
            end = start + WRITE_BATCH
            target.upsert(
                ids=list(ids[start:end]),
                embeddings=[list(vector) for vector in embeddings[start:end]],
                documents=list(texts[start:end]),
                metadatas=list(metadatas[start:end]),
            )
        # After Chroma: a failure here fails the run, and its retry writes both again.
        lexical.write(store.lexical, collection, ids, texts, metadatas)


def delete_chunks(store: Store, collection: str, embedder: str, document_id: str, *, from_index: int = 0) -> None:
    """Remove the document's chunks whose index is `from_index` or more."""
    with _client(store, writes=True) as client:
        target = _collection(client, collection, embedder, create=False)
        if target is not None:
            where: dict[str, Any] = {"document_id": document_id}
            if from_index > 0:
                where = {"$and": [where, {"chunk_index": {"$gte": from_index}}]}
            target.delete(where=where)
        lexical.delete(store.lexical, collection, document_id, from_index=from_index)


def document_chunk_ids(store: Store, collection: str, embedder: str, document_id: str) -> list[str]:
    with _client(store) as client:
        target = _collection(client, collection, embedder, create=False)
        if target is None:
            return []
        return sorted(target.get(where={"document_id": document_id}, include=[])["ids"])


def query(store: Store, collection: str, embedder: str, vector: Sequence[float], k: int) -> list[Hit]:
    with _client(store) as client:
        target = _collection(client, collection, embedder, create=False)
        if target is None or target.count() == 0:
            return []
        found = target.query(
            query_embeddings=[list(vector)],
            n_results=min(k, target.count()),
            include=["documents", "metadatas", "distances"],
        )
    return [
        Hit(id_, text or "", dict(metadata or {}), float(distance))
        for id_, text, metadata, distance in zip(
            found["ids"][0], found["documents"][0], found["metadatas"][0], found["distances"][0], strict=True
        )
    ]


def all_chunks(store: Store, collection: str, embedder: str) -> Iterator[Hit]:
    """Every chunk of the collection, distance 0, read a page at a time."""
    with _client(store) as client:
        target = _collection(client, collection, embedder, create=False)
        if target is None:
            return
        for offset in range(0, target.count(), READ_BATCH):
            found = target.get(include=["documents", "metadatas"], limit=READ_BATCH, offset=offset)
            for id_, text, metadata in zip(found["ids"], found["documents"], found["metadatas"], strict=True):
                yield Hit(id_, text or "", dict(metadata or {}), 0.0)


def rebuild_lexical(store: Store, collection: str, embedder: str) -> int:
    """Write the collection's lexical index again from Chroma (for chunks stored before it existed)."""
    lexical.drop(store.lexical, collection)
    batch: list[Hit] = []
    written = 0
    for hit in all_chunks(store, collection, embedder):
        batch.append(hit)
        if len(batch) == READ_BATCH:
            written += _index(store, collection, batch)
            batch = []
    return written + _index(store, collection, batch)


def _index(store: Store, collection: str, hits: list[Hit]) -> int:
    lexical.write(store.lexical, collection, [h.id for h in hits], [h.text for h in hits], [h.metadata for h in hits])
    return len(hits)


def ping(store: Store) -> str:
    """A short description of the store when it answers; raises when it does not."""
    with _client(store) as client:
        client.heartbeat()
        return f"server {redact_url(str(store.url))}" if store.url else "embedded"
