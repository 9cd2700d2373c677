from __future__ import annotations

import math

from tasks.settings import UploadSettings
from tasks.upload.embedding.sentence_transformers import SentenceTransformerEmbedder, length_batches


def test_batches_hold_similar_lengths_longest_first() -> None:
    lengths = [100, 990, 12, 1000, 95, 500, 980, 13]
    assert length_batches(lengths, 16) == [[3, 1, 6], [5], [0, 4], [7, 2]]


def test_batches_never_exceed_the_size_and_cover_every_text_once() -> None:
    lengths = [1000 - n for n in range(37)]
    batches = length_batches(lengths, 16)
    assert [len(batch) for batch in batches] == [16, 16, 5]
    assert sorted(index for batch in batches for index in batch) == list(range(37))


def test_no_texts_no_batches() -> None:
    assert length_batches([], 16) == []


def test_vectors_come_back_in_the_order_of_the_texts() -> None:
    embedder = SentenceTransformerEmbedder.from_settings(UploadSettings(embedding_batch_size=2))
    texts = ["a queue", "workers retry failed tasks with exponential backoff and jitter", "x", "beat schedules"]
    vectors = embedder.embed(texts)
    for text, vector in zip(texts, vectors, strict=True):
        alone = embedder.embed([text])[0]
        assert math.dist(vector, alone) < 1e-4, text
    assert math.dist(vectors[0], vectors[2]) > 0.1
