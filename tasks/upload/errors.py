"""Upload errors, classified once: retryable (a service is down) or permanent (the input is bad)."""

from __future__ import annotations

from tasks.errors import PermanentError, RetryableError


class UploadError(PermanentError):
    """A document that no retry can ingest."""


class SourceNotAllowed(UploadError):
    """The source resolves outside the storage root, or uses a scheme that is not served."""


class SourceNotFound(UploadError):
    """The source does not exist."""


class SizeMismatch(UploadError):
    """The caller's `file_size` differs from the file's."""


class FileTooLarge(UploadError):
    """The file is over `TASKS_UPLOAD__MAX_FILE_BYTES`."""


class UnsupportedFormat(UploadError):
    """The content is none of the supported formats."""


class CorruptDocument(UploadError):
    """The content claims a supported format but cannot be parsed."""


class EmptyDocument(UploadError):
    """The document holds no text."""


class ServiceUnavailable(RetryableError):
    """A dependency of the pipeline is down; retried with backoff."""


class VectorStoreUnavailable(ServiceUnavailable):
    """Chroma cannot be reached."""


class EmbeddingUnavailable(ServiceUnavailable):
    """The embedding endpoint is down or throttling."""


class ChatUnavailable(ServiceUnavailable):
    """The chat endpoint for questions is down or throttling."""


class EmbedderMissing(RuntimeError):
    """The configured embedder's dependency is not installed: the worker must not start."""


class StorageUnavailable(ServiceUnavailable):
    """The object store of an `s3://` source cannot be reached."""
