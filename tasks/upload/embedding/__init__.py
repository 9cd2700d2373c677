"""Embedders chosen by `TASKS_UPLOAD__EMBEDDER`; one instance per process, built when first used."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from tasks.settings import UploadSettings


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


log = logging.getLogger(__name__)

_lock = threading.Lock()
#: The process's embedder and the settings it was built from.
_built: tuple[UploadSettings, Embedder] | None = None


def get_embedder(settings: UploadSettings) -> Embedder:
    """The process's embedder for `settings`; a caller arriving while another thread builds it waits for that one.

    Built again only when called with other settings than the ones it was built from.
    """
    global _built
    with _lock:
        if _built is None or _built[0] != settings:
            _built = (settings, _build(settings))
        return _built[1]


def forget_embedder() -> None:
    """Drop the process's embedder, so the next use builds one afresh."""
    global _built
    with _lock:
        _built = None


def warm_up_in_background(settings: UploadSettings) -> threading.Thread:
    """Build the embedder and run it once in a daemon thread, so the caller is not held up.

    A pool process calls this at start: it reports ready at once (Celery kills a process
    that does not report within `worker_proc_alive_timeout`), and its first document
    finds the model loaded, or waits in `get_embedder` for the load already under way.
    """
    thread = threading.Thread(target=_warm_up, args=(settings,), name="embedder-warm-up", daemon=True)
    thread.start()
    return thread


def _warm_up(settings: UploadSettings) -> None:
    try:
        get_embedder(settings).embed(["warm-up"])
    except Exception:
        # The first document builds it again and fails with the error as its own.
        log.exception("warming the embedder up failed")


def _build(settings: UploadSettings) -> Embedder:
    if settings.embedder == "sentence-transformers":
        from tasks.upload.embedding.sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder.from_settings(settings)
    if settings.embedder == "openai":
        from tasks.upload.embedding.openai import OpenAIEmbedder

        return OpenAIEmbedder.from_settings(settings)
    from tasks.upload.embedding.hashing import HashingEmbedder

    return HashingEmbedder()
