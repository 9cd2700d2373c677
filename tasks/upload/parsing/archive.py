"""ZIP containers (DOCX) unpacked within bounds, before any parser sees them.

The central directory is checked first (member count, declared sizes, compression ratio);
it can lie, so every member is then inflated in small reads that stop at its declared size
and at the limits, into a stored (uncompressed) copy that the parser reads without inflating.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass
from typing import IO

from tasks.settings import UploadSettings
from tasks.upload.errors import ArchiveTooLarge, CorruptDocument

#: Bytes inflated per read: the most one step can hold, whatever a member claims.
READ_STEP_BYTES = 64 * 1024
#: The end-of-central-directory record, its zip64 locator and the zip64 record's signatures.
EOCD, ZIP64_LOCATOR, ZIP64_EOCD = b"PK\x05\x06", b"PK\x06\x07", b"PK\x06\x06"
#: The end record is 22 bytes and may be followed by a comment of up to 65,535.
EOCD_SEARCH_BYTES = 22 + 65535
#: Members smaller than this unpacked are not held to the compression ratio (tiny parts compress oddly).
RATIO_FLOOR_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    total_bytes: int
    member_bytes: int
    members: int
    ratio: int

    @classmethod
    def from_settings(cls, settings: UploadSettings) -> ArchiveLimits:
        return cls(
            settings.max_unpacked_bytes,
            settings.max_unpacked_member_bytes,
            settings.max_archive_members,
            settings.max_compression_ratio,
        )


def unpack_bounded(file: IO[bytes], filename: str, limits: ArchiveLimits) -> io.BytesIO:
    """A stored copy of the archive in `file`, or `ArchiveTooLarge` naming the limit it passes."""
    try:
        _check_declared_count(file, filename, limits)
        with zipfile.ZipFile(file) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            check_directory(members, filename, limits)
            copy = io.BytesIO()
            with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as stored:
                total = 0
                for info in members:
                    data = _inflate(archive, info, filename, limits, limits.total_bytes - total)
                    total += len(data)
                    stored.writestr(info.filename, data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        # RuntimeError: an encrypted member.
        raise CorruptDocument(f"{filename!r} has a damaged archive: {type(error).__name__}: {error}") from None
    copy.seek(0)
    return copy


def declared_count(file: IO[bytes]) -> int | None:
    """The member count the end records declare, read before `zipfile` builds an object per member."""
    size = file.seek(0, io.SEEK_END)
    start = max(size - EOCD_SEARCH_BYTES, 0)
    file.seek(start)
    tail = file.read()
    at = tail.rfind(EOCD)
    if at < 0 or at + 22 > len(tail):
        return None
    (count,) = struct.unpack_from("<H", tail, at + 10)
    locator = at - 20
    if count == 0xFFFF and locator >= 0 and tail[locator : locator + 4] == ZIP64_LOCATOR:
        (record_at,) = struct.unpack_from("<Q", tail, locator + 8)
        file.seek(record_at)
        record = file.read(56)
        if len(record) == 56 and record[:4] == ZIP64_EOCD:
            (count,) = struct.unpack_from("<Q", record, 32)
    file.seek(0)
    return int(count)


def _check_declared_count(file: IO[bytes], filename: str, limits: ArchiveLimits) -> None:
    count = declared_count(file)
    if count is not None and count > limits.members:
        raise ArchiveTooLarge(
            f"{filename!r} declares {count} archive members, over TASKS_UPLOAD__MAX_ARCHIVE_MEMBERS ({limits.members})"
        )


def check_directory(members: list[zipfile.ZipInfo], filename: str, limits: ArchiveLimits) -> None:
    """The limits against the sizes the central directory declares."""
    if len(members) > limits.members:
        raise ArchiveTooLarge(
            f"{filename!r} holds {len(members)} archive members, over TASKS_UPLOAD__MAX_ARCHIVE_MEMBERS "
            f"({limits.members})"
        )
    total = 0
    names: set[str] = set()
    for info in members:
        if info.filename in names:
            raise CorruptDocument(f"{filename!r} has two archive members named {info.filename!r}")
        names.add(info.filename)
        _check_member(info.filename, info.file_size, filename, limits)
        if info.file_size >= RATIO_FLOOR_BYTES and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise ArchiveTooLarge(
                f"{filename!r}: {info.filename} unpacks {info.file_size // max(info.compress_size, 1)} times its "
                f"packed size, over TASKS_UPLOAD__MAX_COMPRESSION_RATIO ({limits.ratio})"
            )
        total += info.file_size
        _check_total(total, filename, limits)


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str, limits: ArchiveLimits, room: int) -> bytes:
    """The member's bytes, read in small steps; stops past the member or total limit whatever was declared."""
    parts: list[bytes] = []
    size = 0
    with archive.open(info) as member:
        while step := member.read(READ_STEP_BYTES):
            size += len(step)
            _check_member(info.filename, size, filename, limits)
            if size > room:
                _check_total(limits.total_bytes + 1, filename, limits)
            parts.append(step)
    return b"".join(parts)


def _check_member(name: str, size: int, filename: str, limits: ArchiveLimits) -> None:
    if size > limits.member_bytes:
        raise ArchiveTooLarge(
            f"{filename!r}: {name} unpacks to more than {limits.member_bytes} bytes "
            "(TASKS_UPLOAD__MAX_UNPACKED_MEMBER_BYTES)"
        )


def _check_total(total: int, filename: str, limits: ArchiveLimits) -> None:
    if total > limits.total_bytes:
        raise ArchiveTooLarge(
            f"{filename!r} unpacks to more than {limits.total_bytes} bytes (TASKS_UPLOAD__MAX_UNPACKED_BYTES)"
        )
