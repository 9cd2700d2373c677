"""Hybrid search: vector similarity and BM25 over the collection, fused by reciprocal rank."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rank_bm25 import BM25Okapi

from tasks.settings import Settings
from tasks.upload import records, vector_store
from tasks.upload.embedding import get_embedder

#: Reciprocal rank fusion's damping constant (Cormack et al. 2009).
RRF_K = 60
#: Candidates each ranking contributes before fusion.
CANDIDATES = 50
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
#: What a query names exactly rather than describes: dotted, `snake_case` or `name()` identifiers,
#: command-line options (`--env-file`), camelCase, capitalised codes (`E1101`, `HTTP`), words with
#: digits, quoted or backticked strings.
_EXACT_TERM = re.compile(
    r"(?<![\w-])--[A-Za-z][\w-]*|[A-Za-z0-9]+(?:[._:][A-Za-z0-9]+)+|\b[a-z]+[A-Z]\w*|\b[A-Z]{2,}\w*|\w*\d\w*|\w+\(\)|[\"'`][^\"'`]+[\"'`]"
)


def tokenize(text: str) -> list[str]:
    """Stemmed words, and identifiers whole as well as in parts (`os.path.join` gives all four)."""
    tokens = []
    for match in _TOKEN.findall(text.lower()):
        if match in STOP_WORDS:
            continue
        tokens.append(match)
        parts = re.split(r"[.:_]", match)
        if len(parts) > 1:
            tokens.extend(part for part in parts if part and part not in STOP_WORDS)
    stemmer = _stemmer()
    # Identifiers (`max_retries`, `E1101`) stay exact; plain words are stemmed.
    return [str(stemmer.stemWord(token)) if token.isalpha() else token for token in tokens]


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    """Snowball's English stemmer: `probabilities` and `probability` are one term."""
    import Stemmer

    return Stemmer.Stemmer("english")


@dataclass(frozen=True)
class LexicalIndex:
    chunks: list[vector_store.Hit]
    bm25: BM25Okapi | None

    def rank(self, query: str, n: int) -> list[vector_store.Hit]:
        if self.bm25 is None:
            return []
        scores = self.bm25.get_scores(tokenize(query))
        order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
        return [self.chunks[i] for i in order[:n] if scores[i] > 0]


@lru_cache(maxsize=8)
def _lexical_index(store: vector_store.Store, collection: str, embedder: str, version: int) -> LexicalIndex:
    """Rebuilt only when the collection's version (bumped by every write) changes."""
    chunks = vector_store.all_chunks(store, collection, embedder)
    corpus = [tokenize(chunk.text) for chunk in chunks]
    return LexicalIndex(chunks, BM25Okapi(corpus) if chunks else None)


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
    embedder = get_embedder(settings.upload)
    store = vector_store.Store.from_settings(settings)
    index = _lexical_index(store, collection, embedder.name, records.collection_version(collection))
    return index.rank(query, n)


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
