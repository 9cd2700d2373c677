"""Where a document comes from: a file inside the storage root, or an S3 object.

Every check that can refuse a source (scheme, root, size) runs before any byte is read.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from tasks.settings import AwsSettings, UploadSettings
from tasks.upload.errors import (
    FileTooLarge,
    SizeMismatch,
    SourceAccessDenied,
    SourceNotAllowed,
    SourceNotFound,
    StorageUnavailable,
)

#: Bytes read per step while streaming and hashing.
READ_STEP_BYTES = 1024 * 1024
#: An S3 object up to this size is spooled in memory, beyond it on disk.
SPOOL_MEMORY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class LocalSource:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class S3Source:
    bucket: str
    key: str

    @property
    def name(self) -> str:
        return PurePosixPath(self.key).name


Source = LocalSource | S3Source


@dataclass(frozen=True)
class Fetched:
    """A document's bytes (seekable, at position 0), their size and SHA-256."""

    file: IO[bytes]
    size: int
    sha256: str
    name: str


def resolve(source: str, storage_root: Path, *, s3_buckets: Collection[str] = ()) -> Source:
    """Parse `source` and prove it may be read: local files inside `storage_root` (symlinks
    resolved), S3 objects in `s3_buckets`."""
    if "\x00" in source:
        raise SourceNotAllowed.because("contains a NUL character")
    parts = urlsplit(source)
    if parts.scheme == "s3":
        return _s3_source(source, parts.netloc, parts.path.lstrip("/"), s3_buckets)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise SourceNotAllowed.because(f"{source!r}: file URIs must name a local path")
        path = unquote(parts.path)
        if "\x00" in path:
            raise SourceNotAllowed.because("contains a NUL character")
        raw = Path(path)
    elif parts.scheme == "":
        raw = Path(source)
    else:
        raise SourceNotAllowed.because(f"scheme {parts.scheme!r} is not supported (file://, s3:// or a path)")
    return LocalSource(_inside(source, raw, storage_root.resolve()))


def _s3_source(source: str, bucket: str, key: str, allowed: Collection[str]) -> S3Source:
    if not bucket or not key:
        raise SourceNotAllowed.because(f"{source!r}: expected s3://bucket/key")
    if not allowed:
        raise SourceNotAllowed.because("s3:// sources are refused: TASKS_UPLOAD__S3_BUCKETS is empty")
    if bucket not in allowed:
        raise SourceNotAllowed.because(f"bucket {bucket!r} is not in TASKS_UPLOAD__S3_BUCKETS")
    return S3Source(bucket, key)


def _inside(source: str, raw: Path, root: Path) -> Path:
    """The resolved path; one message for every path outside the root, whether it exists or not."""
    outside = SourceNotAllowed.because(f"{source!r} is outside the storage root")
    candidate = raw if raw.is_absolute() else root / raw
    try:
        lexical = candidate.resolve()
    except (OSError, RuntimeError):  # a symlink loop, a component that is not a directory
        raise outside from None
    if not lexical.is_relative_to(root):
        raise outside
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        raise SourceNotFound(f"source {source!r} does not exist") from None
    if not resolved.is_relative_to(root):
        raise outside
    if not resolved.is_file():
        raise SourceNotFound(f"source {source!r} is not a regular file")
    return resolved


def check_size(source: str, size: int, expected: int | None, limit: int) -> None:
    if size > limit:
        raise FileTooLarge(f"source {source!r} is {size} bytes, over the limit of {limit} bytes")
    if expected is not None and expected != size:
        raise SizeMismatch(f"source {source!r} is {size} bytes but file_size says {expected}")


@contextmanager
def fetch(
    source: str, settings: UploadSettings, aws: AwsSettings, *, expected_size: int | None = None
) -> Iterator[Fetched]:
    """Open `source` after its checks; the bytes are streamed once to hash them (S3 is reached with `aws`)."""
    resolved = resolve(source, settings.storage_root, s3_buckets=settings.s3_buckets)
    limit = settings.max_file_bytes
    if isinstance(resolved, LocalSource):
        check_size(source, resolved.path.stat().st_size, expected_size, limit)
        with resolved.path.open("rb") as file:
            digest, size = _hash(file, source, limit)
            check_size(source, size, expected_size, limit)
            yield Fetched(file, size, digest, resolved.name)
        return
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
        _download(s3_client(aws), resolved, source, expected_size, limit, spool)
        digest, size = _hash(spool, source, limit)
        check_size(source, size, expected_size, limit)
        yield Fetched(spool, size, digest, resolved.name)


def _hash(file: IO[bytes], source: str, limit: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while step := file.read(READ_STEP_BYTES):
        size += len(step)
        if size > limit:
            raise FileTooLarge(f"source {source!r} grew over the limit of {limit} bytes while read")
        digest.update(step)
    file.seek(0)
    return digest.hexdigest(), size


@lru_cache(maxsize=1)
def s3_client(settings: AwsSettings) -> Any:
    """The process's S3 client, made on first use (and again for other AWS settings)."""
    import boto3

    endpoint = settings.s3_endpoint_url or settings.endpoint_url
    return boto3.client("s3", region_name=settings.region, endpoint_url=str(endpoint) if endpoint else None)


def _download(client: Any, source: S3Source, text: str, expected_size: int | None, limit: int, into: IO[bytes]) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        head = client.head_object(Bucket=source.bucket, Key=source.key)
        check_size(text, int(head["ContentLength"]), expected_size, limit)
        body = client.get_object(Bucket=source.bucket, Key=source.key)["Body"]
        for step in body.iter_chunks(READ_STEP_BYTES):
            into.write(step)
            if into.tell() > limit:
                raise FileTooLarge(f"source {text!r} grew over the limit of {limit} bytes while read")
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}:
            raise SourceNotFound(f"source {text!r} does not exist") from None
        if code in {"403", "AccessDenied"}:
            raise SourceAccessDenied(f"source {text!r}: access denied") from None
        raise StorageUnavailable(f"S3 refused {text!r}: {code}") from None
    except BotoCoreError as error:
        raise StorageUnavailable(f"S3 unreachable for {text!r}: {type(error).__name__}") from None
    into.seek(0)
