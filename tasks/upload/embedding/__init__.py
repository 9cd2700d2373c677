"""Embedders chosen by `TASKS_UPLOAD__EMBEDDER`; one instance per process, built when first used."""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from tasks.settings import UploadSettings, get_settings


class Embedder(Protocol):
    #: Distinguishes vector spaces: a collection is only ever written by one.
    name: str

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order."""
        ...


def check_available(settings: UploadSettings) -> None:
    """Raise EmbedderMissing when the configured embedder cannot work in this installation."""
    if settings.embedder == "sentence-transformers":
        from tasks.upload.embedding.sentence_transformers import check_available as check
    elif settings.embedder == "openai":
        from tasks.upload.embedding.openai import check_available as check
    else:
        return
    check(settings)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    settings = get_settings().upload
    if settings.embedder == "sentence-transformers":
        from tasks.upload.embedding.sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder.from_settings(settings)
    if settings.embedder == "openai":
        from tasks.upload.embedding.openai import OpenAIEmbedder

        return OpenAIEmbedder.from_settings(settings)
    from tasks.upload.embedding.hashing import HashingEmbedder

    return HashingEmbedder()
