"""Hybrid search: vector similarity (Chroma) and BM25 (the lexical index), fused by reciprocal rank."""

from __future__ import annotations

import re
from typing import Any

from tasks.settings import Settings
from tasks.upload import lexical, vector_store
from tasks.upload.embedding import get_embedder

#: Reciprocal rank fusion's damping constant (Cormack et al. 2009).
RRF_K = 60
#: Candidates each ranking contributes before fusion.
CANDIDATES = 50
#: What a query names exactly rather than describes: dotted, `snake_case` or `name()` identifiers,
#: command-line options (`--env-file`), camelCase, capitalised codes (`E1101`, `HTTP`), words with
#: digits, quoted or backticked strings.
#: Each alternative is the shortest evidence of its kind, so a search takes time linear in the query.
_EXACT_TERM = re.compile(
    r"(?<![\w-])--[A-Za-z]"  # --env-file
    r"|[A-Za-z0-9][._:][A-Za-z0-9]"  # os.path.join, max_retries, a:b
    r"|\b[a-z]+[A-Z]"  # camelCase
    r"|\b[A-Z]{2}"  # HTTP, E1101
    r"|\d"  # words with digits
    r"|\w\(\)"  # name()
    r"|[\"'`][^\"'`]+[\"'`]"  # quoted or backticked
)


def names_exact_terms(query: str) -> bool:
    """Whether `query` holds a term BM25 matches better than the embedding model: an identifier, a code, a quote.

    On paraphrased questions the lexical ranking only adds noise to the fusion (measured on
    bench/data/search_heldout.json's tuning part: topic recall@5 0.935 vector alone, 0.848 fused).
    """
    return _EXACT_TERM.search(query) is not None


def fuse(rankings: list[list[vector_store.Hit]], k: int) -> list[tuple[vector_store.Hit, float]]:
    scores: dict[str, float] = {}
    hits: dict[str, vector_store.Hit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.id] = scores.get(hit.id, 0.0) + 1.0 / (RRF_K + rank)
            hits.setdefault(hit.id, hit)
    best = sorted(scores, key=lambda id_: scores[id_], reverse=True)[:k]
    return [(hits[id_], scores[id_]) for id_ in best]


def vector_ranking(settings: Settings, collection: str, query: str, n: int) -> list[vector_store.Hit]:
    embedder = get_embedder(settings.upload)
    store = vector_store.Store.from_settings(settings)
    return vector_store.query(store, collection, embedder.name, embedder.embed([query])[0], n)


def lexical_ranking(settings: Settings, collection: str, query: str, n: int) -> list[vector_store.Hit]:
    """BM25 over the collection's index, which the writes keep current: nothing is loaded first."""
    store = vector_store.Store.from_settings(settings)
    return [vector_store.Hit(*found, 0.0) for found in lexical.rank(store.lexical, collection, query, n)]


def search(
    settings: Settings, collection: str, query: str, k: int = 5, *, mode: str = "hybrid"
) -> list[dict[str, Any]]:
    """The `k` best chunks for `query`: `hybrid` (default), `vector` or `lexical` ranking.

    `hybrid` fuses the lexical ranking in only for a query that names exact terms
    (`names_exact_terms`); a question in plain words gets the vector ranking.
    `settings` choose the embedder and the vector store.
    """
    if mode not in ("hybrid", "vector", "lexical"):
        raise ValueError(f"mode must be hybrid, vector or lexical, not {mode!r}")
    rankings = []
    if mode in ("hybrid", "vector"):
        rankings.append(vector_ranking(settings, collection, query, max(CANDIDATES, k)))
    if mode == "lexical" or (mode == "hybrid" and names_exact_terms(query)):
        rankings.append(lexical_ranking(settings, collection, query, max(CANDIDATES, k)))
    return [
        {
            "document_id": hit.metadata.get("document_id"),
            "chunk_index": hit.metadata.get("chunk_index"),
            "text": hit.text,
            "score": round(score, 6),
            "metadata": hit.metadata,
        }
        for hit, score in fuse(rankings, k)
    ]
