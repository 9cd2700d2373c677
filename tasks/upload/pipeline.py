"""The ingestion pipeline as plain functions: fetch, parse, chunk, embed, store, finalize.

Knows nothing of Celery: progress goes to a callback, failures are raised (and recorded).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import PurePath
from typing import Any

from tasks.errors import PlatformError, RetryableError
from tasks.settings import Settings, UploadSettings
from tasks.upload import limits, questions, records, vector_store
from tasks.upload import metadata as doc_metadata
from tasks.upload.chunking import PAGE_SEPARATOR, Chunk, chunk_pages
from tasks.upload.embedding import get_embedder
from tasks.upload.errors import EmptyDocument, TimeLimitReached
from tasks.upload.params import ProcessDocumentParams
from tasks.upload.parsing import parse
from tasks.upload.sources import fetch
from tasks.upload.stages import STAGES

Progress = Callable[[str, str, int], None]


def derive_document_id(collection: str, sha256: str) -> str:
    return f"{collection}-{sha256[:32]}"


def fallback_document_id(task_id: str | None) -> str:
    """The record of a failure that happened before the content could be hashed."""
    return f"task-{task_id}"


class Run:
    """One attempt at one document; `document_id` is known once the content is hashed."""

    def __init__(
        self,
        params: ProcessDocumentParams,
        task_id: str | None,
        progress: Progress,
        secrets: Sequence[str],
        deadline: float | None = None,
    ) -> None:
        self.params = params
        self.secrets = secrets
        self.task_id = task_id
        self.progress = progress
        self.document_id = params.document_id
        self.stage_name = "fetching"
        self.deadline = deadline
        #: The record a forced re-run of completed content started from; its chunks stay
        #: untouched until the `storing` stage, so a failure before it keeps the document searchable.
        self.kept: dict[str, Any] | None = None

    def stage(self, name: str) -> None:
        assert self.document_id is not None
        # The soft limit is one signal, which a library's bare `except:` may swallow (langdetect's
        # profile loading does); the deadline still stops the run at the next stage.
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimeLimitReached(f"the soft time limit was reached while {self.stage_name}")
        self.stage_name = name
        if name == "storing":
            self.kept = None
        records.update(self.document_id, status="processing", stage=name, progress=STAGES[name], error=None)
        self.progress(self.document_id, name, STAGES[name])

    def fail(self, error: BaseException, text: str | None = None) -> None:
        document_id = self.document_id or fallback_document_id(self.task_id)
        message = f"{type(error).__name__}: {text or error}"
        if self.kept is not None:
            records.update(
                document_id,
                self.secrets,
                status="completed",
                stage="completed",
                progress=STAGES["completed"],
                task_id=self.kept.get("task_id"),
                error=f"a forced re-run failed, the earlier ingestion is kept: {message}",
            )
            return
        self.register(document_id)
        records.update(document_id, self.secrets, status="failed", error=message)

    def register(self, document_id: str) -> None:
        records.register(
            document_id,
            collection=self.params.collection,
            filename=self.filename(None),
            source=self.params.source,
            task_id=self.task_id,
        )

    def filename(self, fetched_name: str | None) -> str:
        return self.params.filename or fetched_name or PurePath(self.params.source).name or self.params.source


def ingest(
    params: ProcessDocumentParams,
    settings: Settings,
    *,
    task_id: str | None,
    progress: Progress,
    final_attempt: bool = True,
    stopped_by: tuple[type[BaseException], ...] = (),
    deadline: float | None = None,
) -> dict[str, Any]:
    """Ingest one document; a permanent error, or a retryable one on the last attempt, is recorded `failed`.

    `settings` are the platform's: the upload limits, the S3 client's and the vector store's.
    `stopped_by` are the errors that end a run from outside (a time limit): recorded `failed` too.
    Past `deadline` (`time.monotonic()`), the next stage raises `TimeLimitReached`.
    """
    run = Run(params, task_id, progress, settings.secrets(), deadline)
    try:
        return _ingest(run, settings)
    except stopped_by as error:
        run.fail(error, f"the time limit was reached while {run.stage_name}")
        raise
    except PlatformError as error:
        if final_attempt or not isinstance(error, RetryableError):
            run.fail(error)
        elif run.document_id is not None:
            records.update(run.document_id, run.secrets, error=f"{type(error).__name__}: {error} (will retry)")
        raise


def _ingest(run: Run, settings: Settings) -> dict[str, Any]:
    params, upload = run.params, settings.upload
    store = vector_store.Store.from_settings(settings)
    with fetch(params.source, upload, settings.aws, expected_size=params.file_size) as fetched:
        filename = run.filename(fetched.name)
        run.document_id = document_id = params.document_id or derive_document_id(params.collection, fetched.sha256)
        earlier = records.get_document(document_id)
        holder = records.holder_of(params.collection, fetched.sha256)
        if holder is not None and not params.force:
            redelivered = holder == document_id and earlier is not None and earlier.get("task_id") == run.task_id
            if not redelivered:
                return _duplicate(run, filename, fetched.sha256, holder)
        if (
            earlier is not None
            and earlier.get("status") == "completed"
            and earlier.get("content_sha256") == fetched.sha256
        ):
            run.kept = earlier
        run.register(document_id)
        records.update(
            document_id,
            filename=filename,
            content_sha256=fetched.sha256,
            task_id=run.task_id,
            collection=params.collection,
        )
        run.stage("parsing")
        parsed = parse(fetched.file, filename=filename, max_pages=params.page_limit(upload.max_pages), settings=upload)
    if not any(page.strip() for page in parsed.pages):
        raise EmptyDocument(f"{filename!r} holds no text")
    info = doc_metadata.extract(parsed, filename) if params.extract_metadata else {}
    pages = len(parsed.pages)

    run.stage("chunking")
    _check_estimate(params, parsed.pages, upload)
    chunks = chunk_pages(
        parsed.pages, strategy=params.chunking_strategy, size=params.chunk_size, overlap=params.chunk_overlap
    )
    _check_counts(params, parsed.pages, len(chunks), upload)

    run.stage("embedding")
    if params.num_questions:
        chunks = [
            Chunk(c.index, c.text, c.pages, c.headings, questions.generate(c.text, params.num_questions, upload))
            for c in chunks
        ]
    embedder = get_embedder(upload)
    title = info.get("title") or PurePath(filename).stem
    vectors = embedder.embed([embedded_text(title, chunk) for chunk in chunks])

    run.stage("storing")
    if params.force and holder is not None and holder != document_id:
        vector_store.delete_chunks(store, params.collection, embedder.name, holder)
        records.update(holder, status="duplicate", duplicate_of=document_id, chunk_count=0)
    base = {"document_id": document_id, "filename": filename, **doc_metadata.chunk_metadata(info)}
    vector_store.write_chunks(
        store,
        params.collection,
        embedder.name,
        [vector_store.chunk_id(document_id, chunk.index) for chunk in chunks],
        vectors,
        [chunk.text for chunk in chunks],
        [_chunk_metadata(base, chunk) for chunk in chunks],
    )
    # A redelivered or forced run may follow one that wrote more chunks: those are stale.
    vector_store.delete_chunks(store, params.collection, embedder.name, document_id, from_index=len(chunks))

    run.stage("finalizing")
    previous_sha = (earlier or {}).get("content_sha256")
    if previous_sha and previous_sha != fetched.sha256:
        # The document's earlier content is gone from the store: it is no longer a duplicate target.
        records.release_content(params.collection, previous_sha, document_id)
    records.claim_content(params.collection, fetched.sha256, document_id)
    records.update(
        document_id,
        status="completed",
        stage="completed",
        progress=STAGES["completed"],
        chunk_count=len(chunks),
        pages=pages,
        pages_ignored=parsed.pages_ignored,
        metadata=info,
        duplicate_of=None,
        error=None,
    )
    run.progress(document_id, "completed", STAGES["completed"])
    return result(document_id, "completed", params.collection, len(chunks), pages, None)


def embedded_text(title: str, chunk: Chunk) -> str:
    """What is embedded for `chunk`: its text after the document's title and the chunk's heading path.

    A passage rarely names what it is about ("Pass `override=True`..."); the title places it
    (topic recall@5 0.913 -> 0.935 on bench/data/search_heldout.json's tuning part).
    The stored and returned text stays the chunk's own.
    """
    context = f"{title} > {chunk.headings}" if chunk.headings else title
    return f"{context}\n{chunk.text}"


def _check_estimate(params: ProcessDocumentParams, pages: list[str], settings: UploadSettings) -> None:
    """Refuse, before any chunking, a document the arguments would cut into too many chunks or questions."""
    length = _joined_length(pages)
    estimate = limits.estimate_chunks(length, params.chunk_size, params.chunk_overlap)
    limits.check_chunks(estimate, settings.max_chunks_per_document, length=length, estimated=True)
    if params.num_questions:
        limits.check_questions(params.num_questions, estimate, settings.max_questions_per_document)


def _check_counts(params: ProcessDocumentParams, pages: list[str], count: int, settings: UploadSettings) -> None:
    """The same bounds on the chunks actually cut, before any is embedded or questioned."""
    limits.check_chunks(count, settings.max_chunks_per_document, length=_joined_length(pages), estimated=False)
    if params.num_questions:
        limits.check_questions(params.num_questions, count, settings.max_questions_per_document)


def _joined_length(pages: list[str]) -> int:
    return sum(len(page) for page in pages) + len(PAGE_SEPARATOR) * max(len(pages) - 1, 0)


def _duplicate(run: Run, filename: str, sha256: str, holder: str) -> dict[str, Any]:
    held = records.get_document(holder) or {}
    document_id = run.document_id
    assert document_id is not None
    if document_id != holder:
        run.register(document_id)
        records.update(
            document_id,
            status="duplicate",
            stage="completed",
            progress=STAGES["completed"],
            filename=filename,
            content_sha256=sha256,
            duplicate_of=holder,
            chunk_count=0,
        )
    return result(
        document_id, "duplicate", run.params.collection, int(held.get("chunk_count") or 0), held.get("pages"), holder
    )


def result(
    document_id: str, status: str, collection: str, chunk_count: int, pages: int | None, duplicate_of: str | None
) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "status": status,
        "collection": collection,
        "chunk_count": chunk_count,
        "pages": pages,
        "duplicate_of": duplicate_of,
    }


def _chunk_metadata(base: dict[str, Any], chunk: Chunk) -> dict[str, Any]:
    metadata: dict[str, Any] = {**base, "chunk_index": chunk.index, "pages": chunk.pages}
    metadata["page_start"], metadata["page_end"] = chunk.pages[0], chunk.pages[-1]
    if chunk.headings:
        metadata["headings"] = chunk.headings
    if chunk.questions:
        metadata["questions"] = chunk.questions
    return metadata
