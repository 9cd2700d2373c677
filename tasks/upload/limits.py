"""Bounds on what one document's arguments may multiply: chunks (embeddings) and questions (chat calls)."""

from __future__ import annotations

import math

from tasks.upload.errors import TooManyChunks, TooManyQuestions

#: `chunk_size - chunk_overlap` must be at least this share of `chunk_size`: a smaller step
#: repeats nearly every character in chunk after chunk (1000/999 makes a chunk per character).
MIN_STEP_FRACTION = 0.1


def min_step(chunk_size: int) -> int:
    return max(1, math.ceil(chunk_size * MIN_STEP_FRACTION))


def estimate_chunks(length: int, chunk_size: int, chunk_overlap: int) -> int:
    """Chunks of a text of `length` characters: exact for `fixed`, close for the other strategies."""
    if length <= chunk_size:
        return 1
    return math.ceil((length - chunk_size) / (chunk_size - chunk_overlap)) + 1


def check_chunks(count: int, limit: int, *, length: int, estimated: bool) -> None:
    if count > limit:
        about = "about " if estimated else ""
        raise TooManyChunks.of(
            "chunk_size",
            f"{length} characters with this chunk_size and chunk_overlap make {about}{count} chunks, "
            f"over TASKS_UPLOAD__MAX_CHUNKS_PER_DOCUMENT ({limit})",
        )


def check_questions(num_questions: int, chunk_count: int, limit: int) -> None:
    asked = num_questions * chunk_count
    if asked > limit:
        raise TooManyQuestions.of(
            "num_questions",
            f"{num_questions} per chunk over {chunk_count} chunks asks {asked} questions, "
            f"over TASKS_UPLOAD__MAX_QUESTIONS_PER_DOCUMENT ({limit})",
        )
