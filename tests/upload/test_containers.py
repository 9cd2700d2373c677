"""Containers that unpack past the limits (zip bombs, PDF stream bombs) are refused in bounded memory."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from celery import Celery

from tasks.upload.errors import ArchiveTooLarge, CorruptDocument
from tasks.upload.parsing.archive import ArchiveLimits, declared_count, unpack_bounded
from tests.harness.workers import WorkerProcess
from tests.upload.factories import make_docx, make_docx_bomb, make_pdf_bomb
from tests.upload.test_bad_input import assert_failed_permanently, assert_still_serving, fail

LIMITS = ArchiveLimits(total_bytes=4 << 20, member_bytes=2 << 20, members=20, ratio=50)


def archive(members: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    ("members", "problem"),
    [
        ({f"part{n}.xml": b"<a/>" for n in range(21)}, "declares 21 archive members, over TASKS_UPLOAD__MAX_ARCH"),
        ({"big.bin": bytes(range(256)) * (9 << 12)}, "TASKS_UPLOAD__MAX_UNPACKED_MEMBER_BYTES"),
        ({f"p{n}.bin": random.Random(n).randbytes(3 << 19) for n in range(3)}, "TASKS_UPLOAD__MAX_UNPACKED_BYTES"),
        ({"spaces.xml": b" " * (1536 << 10)}, r"over TASKS_UPLOAD__MAX_COMPRESSION_RATIO \(50\)"),
    ],
    ids=["members", "member-size", "total-size", "ratio"],
)
def test_the_central_directory_is_checked(members: dict[str, bytes], problem: str) -> None:
    with pytest.raises(ArchiveTooLarge, match=problem):
        unpack_bounded(archive(members), "x.docx", LIMITS)


def test_an_end_record_that_understates_the_members_is_caught_by_the_directory() -> None:
    data = archive({f"part{n}.xml": b"<a/>" for n in range(21)}).getvalue()
    at = data.rindex(b"PK\x05\x06")
    data = data[: at + 8] + struct.pack("<HH", 3, 3) + data[at + 12 :]

    with pytest.raises(ArchiveTooLarge, match="holds 21 archive members"):
        unpack_bounded(io.BytesIO(data), "x.docx", LIMITS)


def test_the_zip64_member_count_is_read_from_its_own_record() -> None:
    # More members than the 16-bit field holds: the end record says 0xFFFF, the zip64 record the truth.
    many = archive({f"{n}": b"" for n in range(0x10000 + 5)})
    assert many.getvalue()[many.getvalue().rindex(b"PK\x05\x06") + 10 :][:2] == b"\xff\xff"

    assert declared_count(many) == 0x10000 + 5
    with pytest.raises(ArchiveTooLarge, match=f"declares {0x10000 + 5} archive members"):
        unpack_bounded(many, "many.docx", LIMITS)


def test_pdf_pages_are_held_to_a_total_as_well_as_per_stream(tmp_path: Path) -> None:
    from tasks.upload.parsing.pdf import parse_pdf

    # Given three pages whose streams are each under the per-stream limit
    bomb = make_pdf_bomb(tmp_path / "pages.pdf", 900 << 10, pages=3)

    # Then the third page takes the total past its limit
    with bomb.open("rb") as file, pytest.raises(ArchiveTooLarge, match="first 3 pages unpacks to more than"):
        parse_pdf(file, max_pages=10, filename="pages.pdf", stream_bytes=1 << 20, total_bytes=2 << 20)
    with bomb.open("rb") as file:
        assert len(parse_pdf(file, max_pages=2, filename="p.pdf", stream_bytes=1 << 20, total_bytes=2 << 20).pages) == 2


def test_a_member_larger_than_declared_is_never_inflated_past_its_claim() -> None:
    # Given a member of 3 MiB whose central directory and local header both claim 1000 bytes
    data = archive({"word/document.xml": b" " * (3 << 20)}).getvalue()
    real = struct.pack("<I", 3 << 20)
    lie = struct.pack("<I", 1000)
    local_at = data.index(b"PK\x03\x04")
    central_at = data.index(b"PK\x01\x02")
    assert data[local_at + 22 : local_at + 26] == real and data[central_at + 24 : central_at + 28] == real
    data = data[: local_at + 22] + lie + data[local_at + 26 : central_at + 24] + lie + data[central_at + 28 :]

    # Then it is read only up to its claim, and its checksum gives it away
    with pytest.raises(CorruptDocument, match="Bad CRC-32"):
        unpack_bounded(io.BytesIO(data), "liar.docx", LIMITS)


def test_an_ordinary_docx_passes_unchanged(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "a.docx", [["hello"], ["world"]])

    with path.open("rb") as file:
        copy = unpack_bounded(file, "a.docx", LIMITS)

    with zipfile.ZipFile(path) as original, zipfile.ZipFile(copy) as stored:
        assert {i.filename: original.read(i) for i in original.infolist()} == {
            i.filename: stored.read(i) for i in stored.infolist()
        }
        assert {i.compress_type for i in stored.infolist()} == {zipfile.ZIP_STORED}


def test_a_docx_bomb_is_refused_by_a_worker(worker: WorkerProcess, folder: Path, collection: str) -> None:
    # Given a 100 KB DOCX whose document.xml inflates to 100 MiB (the default member limit is 64 MiB)
    bomb = make_docx_bomb(folder / "bomb.docx", 100 << 20)
    assert bomb.stat().st_size < 200_000

    task_id, error = fail(source=str(bomb), collection=collection, document_id=f"bomb-{collection}")

    assert_failed_permanently(
        task_id, error, f"bomb-{collection}", "unpacks to more than 67108864 bytes (TASKS_UPLOAD__MAX_UNPACKED_MEMBER"
    )
    assert_still_serving(worker, folder, collection)


def test_a_pdf_stream_bomb_is_refused_by_a_worker(
    isolated_worker: Callable[..., Celery], folder: Path, collection: str
) -> None:
    client = isolated_worker({"TASKS_UPLOAD__MAX_UNPACKED_MEMBER_BYTES": str(1 << 20)})
    bomb = make_pdf_bomb(folder / "bomb.pdf", 8 << 20)

    task_id, error = fail(client, source=str(bomb), collection=collection, document_id=f"bomb-{collection}")

    assert_failed_permanently(
        task_id, error, f"bomb-{collection}", "has a stream that unpacks past a limit (TASKS_UPLOAD__MAX_UNPACKED"
    )
