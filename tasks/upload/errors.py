"""Upload errors, classified once: retryable (a service is down) or permanent (the input is bad)."""

from __future__ import annotations

from typing import Self

from tasks.errors import InvalidArguments, PermanentError, RetryableError

#: The task whose arguments `InvalidUpload` names.
TASK_NAME = "uploads.process_document"


class UploadError(PermanentError):
    """A document that no retry can ingest."""


class InvalidUpload(InvalidArguments):
    """An argument that fails once the worker looks at it: a source it may not read, a limit it exceeds.

    Dead-lettered as `validation_error`, like an argument that fails the schema.
    """

    @classmethod
    def of(cls, field: str, problem: str) -> Self:
        return cls(f"invalid arguments for {TASK_NAME}: {field}: {problem}")


class SourceNotAllowed(InvalidUpload):
    """The source resolves outside the storage root, names a bucket not allowed, or a scheme not served."""

    @classmethod
    def because(cls, problem: str) -> Self:
        return cls.of("source", problem)


class SourceAccessDenied(UploadError):
    """The object store refuses the worker's credentials for an allowed source."""


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


class ArchiveTooLarge(UploadError):
    """A container (DOCX zip, PDF stream) unpacks past the limits of `TASKS_UPLOAD__*`."""


class TooManyChunks(InvalidUpload):
    """`chunk_size`/`chunk_overlap` would cut the document into more chunks than allowed."""


class TooManyQuestions(InvalidUpload):
    """`num_questions` over all the document's chunks asks more than allowed."""


class TimeLimitReached(UploadError):
    """The run is past its soft time limit at a stage boundary (the limit's signal was swallowed on the way)."""


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
