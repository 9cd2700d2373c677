"""The validated keyword arguments of `uploads.process_document`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, ValidationInfo, model_validator

from tasks.settings import settings_in
from tasks.upload.limits import min_step

#: Collection names users may choose.
COLLECTION_PATTERN = r"^[A-Za-z0-9_-]{1,63}$"

ChunkingStrategy = Literal["fixed", "recursive", "sentence", "markdown"]


class ProcessDocumentParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1, max_length=4096)
    filename: str | None = Field(default=None, min_length=1, max_length=255)
    file_size: NonNegativeInt | None = None
    collection: str = Field(default="default", pattern=COLLECTION_PATTERN)
    chunking_strategy: ChunkingStrategy = "recursive"
    chunk_size: PositiveInt = Field(default=1000, le=100_000)
    chunk_overlap: NonNegativeInt = 200
    extract_metadata: bool = True
    num_questions: NonNegativeInt = Field(default=0, le=20)
    max_pages: PositiveInt | None = None
    document_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{1,128}$")
    force: bool = False

    @model_validator(mode="after")
    def _check_combination(self, info: ValidationInfo) -> ProcessDocumentParams:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(f"chunk_overlap ({self.chunk_overlap}) must be less than chunk_size ({self.chunk_size})")
        if self.chunk_size - self.chunk_overlap < min_step(self.chunk_size):
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) leaves a step of {self.chunk_size - self.chunk_overlap}; "
                f"chunk_size - chunk_overlap must be at least {min_step(self.chunk_size)} (a tenth of chunk_size)"
            )
        if self.num_questions > 0 and settings_in(info).upload.chat_url is None:
            raise ValueError("num_questions needs a chat endpoint: TASKS_UPLOAD__CHAT_URL is not set")
        return self

    def page_limit(self, hard: int) -> int:
        """`max_pages`, never above the platform's hard limit (`TASKS_UPLOAD__MAX_PAGES`)."""
        return min(self.max_pages, hard) if self.max_pages is not None else hard
