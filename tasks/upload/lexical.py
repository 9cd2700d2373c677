"""The lexical index: BM25 over the chunks' tokens in SQLite FTS5, one file per collection.

Written in the same step as the chunks in Chroma (`vector_store.write_chunks`, `delete_chunks`),
so a search reads only the postings of its own terms: nothing is rebuilt per process and no
write re-reads the collection. Chroma 1.5 ranks no text itself: its `Search` API (sparse
vectors, BM25) is "not implemented for local executor", embedded or `chroma run` alike.

The file must be the one every writer and searcher opens: one host, or a shared filesystem
with working POSIX locks (the rollback journal is kept for that reason; WAL needs one host).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from tasks.upload.errors import VectorStoreUnavailable

#: How long a write or a search waits for another process's lock on the index.
BUSY_TIMEOUT_S = 30.0
#: Chunks a search's BM25 may score: the rarest query terms are used while their chunks add up
#: to this (FTS5 scores, and counts for IDF, every chunk a term is in: ~1 us each).
POSTINGS_BUDGET = 20_000
#: English function words: they match everywhere, so BM25 would rank on noise.
STOP_WORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "has",
        "have", "how", "i", "if", "in", "into", "is", "it", "its", "of", "on", "or", "our", "so", "that",
        "the", "their", "then", "there", "these", "this", "to", "was", "we", "were", "what", "when", "where",
        "which", "who", "why", "will", "with", "you", "your",
    }
)  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[.:][A-Za-z0-9_]+)*")
_SEPARATOR = re.compile(r"[.:_]")
# Tokens are stored space-separated, already lowercased and stemmed: FTS5 only has to keep
# `os.path.join` and `max_retries` whole, as `tokenize` made them.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL,
    chunk_index INTEGER NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks (document_id, chunk_index);
CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5 (tokens, tokenize = "ascii tokenchars '._:'");
"""


def tokenize(text: str) -> list[str]:
    """Stemmed words, and identifiers whole as well as in parts (`os.path.join` gives all four)."""
    tokens = []
    for match in _TOKEN.findall(text.lower()):
        if match in STOP_WORDS:
            continue
        tokens.append(match)
        if _SEPARATOR.search(match):
            tokens.extend(part for part in _SEPARATOR.split(match) if part and part not in STOP_WORDS)
    # Identifiers (`max_retries`, `E1101`) stay exact; plain words are stemmed, all in one call.
    words = [token for token in tokens if token.isalpha()]
    stems = iter(_stemmer().stemWords(words))
    return [str(next(stems)) if token.isalpha() else token for token in tokens]


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    """Snowball's English stemmer: `probabilities` and `probability` are one term."""
    import Stemmer

    return Stemmer.Stemmer("english")


def index_path(folder: Path, collection: str) -> Path:
    return folder / f"{collection}.sqlite3"


@contextmanager
def _database(folder: Path, collection: str, *, create: bool) -> Iterator[sqlite3.Connection | None]:
    """One transaction on the collection's index (None when there is none and `create` is false)."""
    path = index_path(folder, collection)
    if not create and not path.exists():
        yield None
        return
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)) as db:
            if create:
                db.executescript(_SCHEMA)
            with db:
                yield db
    except sqlite3.OperationalError as error:
        # A lock held past the timeout, or a full or unreachable disk: another attempt may pass.
        raise VectorStoreUnavailable(f"lexical index {path.name}: {error}") from None


def write(
    folder: Path, collection: str, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]]
) -> None:
    """Upsert by id, as Chroma does: writing the same chunk twice leaves one copy."""
    # Tokenized before the transaction, which holds the index's write lock.
    tokens = [(" ".join(tokenize(text)), id_) for id_, text in zip(ids, texts, strict=True)]
    with _database(folder, collection, create=True) as db:
        assert db is not None
        _delete_rows(db, "id = ?", [(id_,) for id_ in ids])
        db.executemany(
            "INSERT INTO chunks (id, document_id, chunk_index, text, metadata) VALUES (?, ?, ?, ?, ?)",
            [
                (id_, str(metadata.get("document_id")), int(metadata.get("chunk_index", 0)), text, json.dumps(metadata))
                for id_, text, metadata in zip(ids, texts, metadatas, strict=True)
            ],
        )
        db.executemany("INSERT INTO terms (rowid, tokens) SELECT rowid, ? FROM chunks WHERE id = ?", tokens)


def delete(folder: Path, collection: str, document_id: str, *, from_index: int = 0) -> None:
    """Remove the document's chunks whose index is `from_index` or more."""
    with _database(folder, collection, create=False) as db:
        if db is not None:
            _delete_rows(db, "document_id = ? AND chunk_index >= ?", [(document_id, from_index)])


def _delete_rows(db: sqlite3.Connection, where: str, parameters: list[tuple[Any, ...]]) -> None:
    db.executemany(f"DELETE FROM terms WHERE rowid IN (SELECT rowid FROM chunks WHERE {where})", parameters)
    db.executemany(f"DELETE FROM chunks WHERE {where}", parameters)


def rank(folder: Path, collection: str, query: str, n: int) -> list[tuple[str, str, dict[str, Any]]]:
    """The `n` chunks (id, text, metadata) that best match `query` by BM25, best first."""
    terms = tokenize(query)
    with _database(folder, collection, create=False) as db:
        if db is None or not terms:
            return []
        counts = _counts(db, terms)
        chosen = _rarest(counts)
        if chosen:
            # A repeated query term counts again, as in BM25's sum over the query's terms.
            rows = _ranked(db, " OR ".join(_phrase(term) for term in terms if term in chosen), n, bm25=True)
        else:
            # Every term is in more than POSTINGS_BUDGET chunks: BM25 would score them all, so the
            # newest chunks holding every term (or any) stand in, and the vector ranking orders them.
            present = [term for term in counts if counts[term]]
            rows = _ranked(db, " AND ".join(map(_phrase, present)), n, bm25=False) if present else []
            if not rows and len(present) > 1:
                rows = _ranked(db, " OR ".join(map(_phrase, present)), n, bm25=False)
    return [(id_, text, json.loads(metadata)) for id_, text, metadata in rows]


def _counts(db: sqlite3.Connection, terms: list[str]) -> dict[str, int]:
    """Each distinct term's chunks, counted up to POSTINGS_BUDGET + 1 (so the count is cheap)."""
    count = "SELECT count(*) FROM (SELECT rowid FROM terms WHERE terms MATCH ? LIMIT ?)"
    return {
        term: int(db.execute(count, (_phrase(term), POSTINGS_BUDGET + 1)).fetchone()[0])
        for term in dict.fromkeys(terms)
    }


def _rarest(counts: dict[str, int]) -> set[str]:
    """The rarest terms present whose chunks add up to POSTINGS_BUDGET at most."""
    chosen: set[str] = set()
    total = 0
    for term in sorted((term for term in counts if counts[term]), key=counts.__getitem__):
        total += counts[term]
        if total > POSTINGS_BUDGET:
            break
        chosen.add(term)
    return chosen


def _ranked(db: sqlite3.Connection, match: str, n: int, *, bm25: bool) -> list[tuple[str, str, str]]:
    # `rank` is BM25 negated (lower is better), as is `-rowid` for the newest first. Equal scores
    # are ordered by chunk id: rowids follow the order of concurrent writes, which varies.
    if bm25:
        sql = (
            "SELECT chunks.id, chunks.text, chunks.metadata FROM terms JOIN chunks ON chunks.rowid = terms.rowid"
            " WHERE terms MATCH ? ORDER BY terms.rank, chunks.id LIMIT ?"
        )
    else:
        sql = (
            "WITH best AS (SELECT rowid, -rowid AS place FROM terms WHERE terms MATCH ? ORDER BY -rowid LIMIT ?)"
            " SELECT chunks.id, chunks.text, chunks.metadata FROM best JOIN chunks USING (rowid) ORDER BY place"
        )
    rows: list[tuple[str, str, str]] = db.execute(sql, (match, n)).fetchall()
    return rows


def _phrase(term: str) -> str:
    # `tokenize` yields [a-z0-9_.:] only, so a term never holds the quote it is wrapped in.
    return f'"{term}"'


def drop(folder: Path, collection: str) -> None:
    index_path(folder, collection).unlink(missing_ok=True)
