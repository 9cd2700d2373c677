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


def test_a_chunk_longer_than_the_window_is_embedded_in_overlapping_windows_the_model_reads_whole() -> None:
    embedder = SentenceTransformerEmbedder.from_settings(UploadSettings())
    text = " ".join(f"option_{n}=value{n};" for n in range(150))
    tokenizer, limit = embedder.model.tokenizer, embedder.model.max_seq_length

    windows = embedder.windows("redis > Options", text)

    assert len(tokenizer(text)["input_ids"]) > limit
    assert len(windows) > 2
    parts = [window.removeprefix("redis > Options\n") for window in windows]
    assert all(window.startswith("redis > Options\n") for window in windows)
    assert all(len(tokenizer(window)["input_ids"]) <= limit for window in windows)
    assert text.startswith(parts[0]) and text.endswith(parts[-1])
    offsets = [text.index(part) for part in parts]
    for before, after, start in zip(parts, parts[1:], offsets[1:], strict=False):
        assert start < text.index(before) + len(before), "consecutive windows overlap"
        assert after in text


def test_a_short_chunk_is_one_window_and_a_long_heading_path_leaves_the_text_room() -> None:
    embedder = SentenceTransformerEmbedder.from_settings(UploadSettings())
    assert embedder.windows("redis", "Use a pool.") == ["redis\nUse a pool."]

    context = " > ".join(f"Heading number {n}" for n in range(100))
    windows = embedder.windows(context, "Use a pool.")
    assert len(windows) == 1
    assert windows[0].endswith("\nUse a pool.")
    assert len(embedder.model.tokenizer(windows[0])["input_ids"]) <= embedder.model.max_seq_length
