"""Where a document comes from: a file inside the storage root, or an S3 object.

Every check that can refuse a source (scheme, root, size) runs before any byte is read.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from tasks.settings import get_settings
from tasks.upload.errors import FileTooLarge, SizeMismatch, SourceNotAllowed, SourceNotFound, StorageUnavailable

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


def resolve(source: str, storage_root: Path) -> Source:
    """Parse `source` and, for local files, prove it lies inside `storage_root` (symlinks resolved)."""
    parts = urlsplit(source)
    if parts.scheme == "s3":
        key = parts.path.lstrip("/")
        if not parts.netloc or not key:
            raise SourceNotAllowed(f"source {source!r}: expected s3://bucket/key")
        return S3Source(parts.netloc, key)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise SourceNotAllowed(f"source {source!r}: file URIs must name a local path")
        raw = Path(unquote(parts.path))
    elif parts.scheme == "":
        raw = Path(source)
    else:
        raise SourceNotAllowed(
            f"source {source!r}: scheme {parts.scheme!r} is not supported (file://, s3:// or a path)"
        )
    root = storage_root.resolve()
    candidate = raw if raw.is_absolute() else root / raw
    try:
        resolved = candidate.resolve(strict=True)
    except FileNotFoundError:
        # Report escapes before existence, so a probe cannot learn what exists outside the root.
        if not candidate.resolve().is_relative_to(root):
            raise SourceNotAllowed(f"source {source!r} is outside the storage root") from None
        raise SourceNotFound(f"source {source!r} does not exist") from None
    if not resolved.is_relative_to(root):
        raise SourceNotAllowed(f"source {source!r} is outside the storage root")
    if not resolved.is_file():
        raise SourceNotFound(f"source {source!r} is not a regular file")
    return LocalSource(resolved)


def check_size(source: str, size: int, expected: int | None, limit: int) -> None:
    if size > limit:
        raise FileTooLarge(f"source {source!r} is {size} bytes, over the limit of {limit} bytes")
    if expected is not None and expected != size:
        raise SizeMismatch(f"source {source!r} is {size} bytes but file_size says {expected}")


@contextmanager
def fetch(source: str, *, expected_size: int | None = None) -> Iterator[Fetched]:
    """Open `source` after its checks; the bytes are streamed once to hash them."""
    settings = get_settings().upload
    resolved = resolve(source, settings.storage_root)
    limit = settings.max_file_bytes
    if isinstance(resolved, LocalSource):
        check_size(source, resolved.path.stat().st_size, expected_size, limit)
        with resolved.path.open("rb") as file:
            digest, size = _hash(file, source, limit)
            check_size(source, size, expected_size, limit)
            yield Fetched(file, size, digest, resolved.name)
        return
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
        _download(resolved, source, expected_size, limit, spool)
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
def _s3_client() -> Any:
    import boto3

    settings = get_settings().aws
    endpoint = settings.s3_endpoint_url or settings.endpoint_url
    return boto3.client("s3", region_name=settings.region, endpoint_url=str(endpoint) if endpoint else None)


def _download(source: S3Source, text: str, expected_size: int | None, limit: int, into: IO[bytes]) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    client = _s3_client()
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
            raise SourceNotAllowed(f"source {text!r}: access denied") from None
        raise StorageUnavailable(f"S3 refused {text!r}: {code}") from None
    except BotoCoreError as error:
        raise StorageUnavailable(f"S3 unreachable for {text!r}: {type(error).__name__}") from None
    into.seek(0)
