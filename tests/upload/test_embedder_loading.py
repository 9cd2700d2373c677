"""The sentence-transformers embedder loaded in one thread encodes with its thread setting in another."""

from __future__ import annotations

import threading

from tasks.settings import UploadSettings
from tasks.upload.embedding.sentence_transformers import SentenceTransformerEmbedder


def test_the_encoding_thread_uses_the_configured_torch_threads() -> None:
    import torch

    wanted = 3 if torch.get_num_threads() != 3 else 2
    settings = UploadSettings(embedder="sentence-transformers", embedding_threads=wanted)
    built: list[SentenceTransformerEmbedder] = []
    loader = threading.Thread(target=lambda: built.append(SentenceTransformerEmbedder.from_settings(settings)))
    loader.start()
    loader.join()

    original = torch.get_num_threads()
    try:
        vectors = built[0].embed(["a solar eclipse", "a risotto"])
        assert torch.get_num_threads() == wanted
    finally:
        torch.set_num_threads(original)
    assert [len(vector) for vector in vectors] == [384, 384]
