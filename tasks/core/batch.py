"""Publishing many tasks at once: one Redis pipeline per chunk instead of a round trip per message.

Each signature goes through `apply_async(producer=...)` as `.delay()` would, so routing, the
`before_task_publish` hooks, redaction and the `task-sent` event are the same; only the Redis
commands wait in kombu's publish batch (`Producer.batch`) and go out together when the chunk
ends. A pipeline that fails mid-way may have queued some of its messages: delivery is then
uncertain, and sending the chunk again can run some of its tasks twice (the platform is
at-least-once anyway, so tasks are written to run twice safely).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from celery import Celery
from celery.canvas import Signature
from celery.result import AsyncResult
from kombu.exceptions import BatchPublishError, OperationalError

#: Signatures per pipeline: big enough to make the round trip negligible, small enough to bound memory.
DEFAULT_CHUNK_SIZE: Final = 1000

#: Kombu's batch flushes by itself once it holds this many Redis commands; the chunks end before.
_MAX_BUFFERED_COMMANDS: Final = 2**31 - 1


class EnqueueError(OperationalError):
    """A batch was not queued whole: Redis was away, or a pipeline failed with an uncertain outcome.

    `sent` holds the results of the chunks Redis confirmed, `uncertain` those of the chunk whose
    pipeline failed (some of its messages may be queued), `unsent` the signatures not published.
    """

    def __init__(self, message: str, *, sent: list[AsyncResult], uncertain: list[AsyncResult], unsent: list[Signature]):
        super().__init__(message)
        self.sent = sent
        self.uncertain = uncertain
        self.unsent = unsent


class InvalidSignature(ValueError):
    """A signature of a batch could not be published (not a signature, arguments not serializable, ...).

    Nothing of its chunk was sent; `sent` holds the results of the earlier chunks, which were.
    """

    def __init__(self, message: str, *, index: int, sent: list[AsyncResult]):
        super().__init__(message)
        self.index = index
        self.sent = sent


def enqueue_many(
    signatures: Iterable[Signature], *, app: Celery | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> list[AsyncResult]:
    """Publish `signatures` in pipelines of `chunk_size` through `app` (the first signature's by default);
    their results, in order.

    Before each chunk, Redis is waited for as long as a publish would wait
    (`task_publish_retry_policy`); past that, `EnqueueError`. A signature that cannot be
    published raises `InvalidSignature`, naming its index and task.
    """
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    pending = list(signatures)
    for index, signature in enumerate(pending):
        if not isinstance(signature, Signature):
            raise InvalidSignature(
                f"item {index} is not a Celery signature: {type(signature).__name__}", index=index, sent=[]
            )
    if not pending:
        return []
    # Each signature knows the app of its task; a client's `task.s()` is the platform app's.
    app = app or pending[0].app
    sent: list[AsyncResult] = []
    with app.producer_or_acquire() as producer:
        for start in range(0, len(pending), chunk_size):
            chunk = pending[start : start + chunk_size]
            try:
                _wait_for_broker(app, producer)
            except (OperationalError, *producer.connection.recoverable_connection_errors) as error:
                raise EnqueueError(
                    f"Redis did not answer within the publish retry bound: {error}",
                    sent=sent,
                    uncertain=[],
                    unsent=pending[start:],
                ) from error
            published: list[AsyncResult] = []
            try:
                _publish_chunk(producer, chunk, start, published, sent)
            except BatchPublishError as error:
                raise EnqueueError(
                    f"the pipeline of signatures {start} to {start + len(chunk) - 1} failed; "
                    f"some of them may be queued: {error.__cause__ or error}",
                    sent=sent,
                    uncertain=published,
                    unsent=pending[start + len(chunk) :],
                ) from error
            except OperationalError as error:
                # Raised while the chunk was being buffered (a queue declared on a lost connection):
                # the pipeline never ran.
                raise EnqueueError(
                    f"signatures {start} to {start + len(chunk) - 1} were not published: {error}",
                    sent=sent,
                    uncertain=[],
                    unsent=pending[start:],
                ) from error
            sent.extend(published)
    return sent


def _wait_for_broker(app: Celery, producer: Any) -> None:
    """Ping Redis through the producer's connection, retried as a publish is."""
    policy = app.conf.task_publish_retry_policy if app.conf.task_publish_retry else {"max_retries": 0}

    def ping(producer: Any) -> None:
        with producer.channel.conn_or_acquire() as client:
            client.ping()

    producer.connection.ensure(producer, ping, **policy)(producer)


def _publish_chunk(
    producer: Any, chunk: Sequence[Signature], start: int, published: list[AsyncResult], sent: list[AsyncResult]
) -> None:
    """Buffer `chunk` in one pipeline, appending each result to `published`; the pipeline runs on exit."""
    with producer.batch(max_size=_MAX_BUFFERED_COMMANDS):
        for index, signature in enumerate(chunk, start):
            try:
                published.append(signature.apply_async(producer=producer))
            except (OperationalError, BatchPublishError):
                raise
            except Exception as error:
                raise InvalidSignature(
                    f"signature {index} ({signature.task}) could not be published: {error}", index=index, sent=sent
                ) from error
