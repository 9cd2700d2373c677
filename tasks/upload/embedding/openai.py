"""Any OpenAI-compatible `/v1/embeddings` endpoint, in batches; 429 and 5xx are retried."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tasks.errors import PermanentError, RetryableError
from tasks.redaction import redact_url
from tasks.settings import UploadSettings
from tasks.upload.errors import EmbedderMissing, EmbeddingUnavailable

#: Bound on one embeddings request.
REQUEST_TIMEOUT_S = 60.0


def endpoint(base: str, path: str) -> str:
    """`base` may be the server root, its `/v1`, or the full endpoint."""
    base = base.rstrip("/")
    if base.endswith(path):
        return base
    if base.endswith("/v1"):
        return base + path
    return base + "/v1" + path


def retry_after_s(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def post_json(url: str, body: dict[str, Any], api_key: str | None, unavailable: type[RetryableError]) -> Any:
    """POST and decode; transport errors, 429 and 5xx raise `unavailable` (retryable)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    shown = redact_url(url)
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=REQUEST_TIMEOUT_S)
    except httpx.TransportError as error:
        raise unavailable(f"{shown} unreachable: {type(error).__name__}") from None
    if response.status_code == 429 or response.status_code >= 500:
        raise unavailable(f"{shown} answered {response.status_code}", retry_after_s=retry_after_s(response))
    if response.status_code >= 400:
        raise PermanentError(f"{shown} refused the request: {response.status_code} {response.text[:200]}")
    return response.json()


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
