"""Any OpenAI-compatible `/v1/embeddings` endpoint, in batches; 429 and 5xx are retried."""

from __future__ import annotations

from dataclasses import dataclass, field

from tasks.core.openai_http import endpoint, post_json
from tasks.redaction import redact_url
from tasks.settings import UploadSettings
from tasks.upload.errors import EmbedderMissing, EmbeddingUnavailable


def check_available(settings: UploadSettings) -> None:
    if settings.embedding_url is None:
        raise EmbedderMissing("TASKS_UPLOAD__EMBEDDER=openai needs TASKS_UPLOAD__EMBEDDING_URL")


@dataclass
class OpenAIEmbedder:
    #: May carry `user:password@`; kept out of the repr like the key.
    url: str = field(repr=False)
    model: str
    api_key: str | None = field(repr=False)
    batch_size: int
    name: str

    @classmethod
    def from_settings(cls, settings: UploadSettings) -> OpenAIEmbedder:
        check_available(settings)
        key = settings.embedding_api_key.get_secret_value() if settings.embedding_api_key else None
        url = endpoint(str(settings.embedding_url), "/embeddings")
        return cls(
            url, settings.embedding_model, key, settings.embedding_batch_size, f"openai-{settings.embedding_model}"
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            answer = post_json(self.url, {"model": self.model, "input": batch}, self.api_key, EmbeddingUnavailable)
            rows = sorted(answer["data"], key=lambda row: row["index"])
            if len(rows) != len(batch):
                shown = redact_url(self.url)
                raise EmbeddingUnavailable(f"{shown} returned {len(rows)} vectors for {len(batch)} texts")
            vectors.extend([float(value) for value in row["embedding"]] for row in rows)
        return vectors
