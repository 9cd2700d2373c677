from __future__ import annotations

import hashlib
import os
from pathlib import Path

import boto3
import pytest
from pydantic import AnyHttpUrl

from tasks.settings import Settings
from tasks.upload.errors import FileTooLarge, SizeMismatch, SourceNotAllowed, SourceNotFound
from tasks.upload.sources import LocalSource, S3Source, fetch, resolve


def test_paths_inside_the_root_resolve(folder: Path, storage_root: Path) -> None:
    (folder / "a.txt").write_text("hello")

    assert resolve(str(folder / "a.txt"), storage_root) == LocalSource((folder / "a.txt").resolve())
    assert resolve(f"file://{folder}/a.txt", storage_root) == LocalSource((folder / "a.txt").resolve())
    relative = f"{folder.name}/a.txt"
    assert resolve(relative, storage_root) == LocalSource((folder / "a.txt").resolve())


@pytest.mark.parametrize("source", ["/etc/passwd", "file:///etc/passwd", "../../../../etc/passwd", "ftp://host/x"])
def test_sources_outside_the_root_are_refused(source: str, storage_root: Path) -> None:
    with pytest.raises(SourceNotAllowed, match=r"invalid arguments for uploads\.process_document: source: "):
        resolve(source, storage_root)


@pytest.mark.parametrize(
    "source",
    ["/etc/passwd", "/etc/no-such-file-here", "/etc/passwd/below-a-file", "/no-such-dir/x", "../../../../etc/shadow"],
)
def test_paths_outside_the_root_get_one_message_whether_they_exist_or_not(source: str, storage_root: Path) -> None:
    with pytest.raises(SourceNotAllowed) as refused:
        resolve(source, storage_root)

    assert str(refused.value) == (
        f"invalid arguments for uploads.process_document: source: {source!r} is outside the storage root"
    )


@pytest.mark.parametrize("source", ["a\x00b.txt", "file:///srv/a%00b.txt", "/etc/passwd\x00.txt"])
def test_a_nul_character_is_a_clean_refusal(source: str, storage_root: Path) -> None:
    with pytest.raises(SourceNotAllowed, match="source: contains a NUL character"):
        resolve(source, storage_root)


def test_s3_buckets_must_be_listed() -> None:
    root = Path("/nowhere")
    assert resolve("s3://docs/a.txt", root, s3_buckets=["docs", "more"]) == S3Source("docs", "a.txt")
    with pytest.raises(SourceNotAllowed, match="source: bucket 'private' is not in TASKS_UPLOAD__S3_BUCKETS"):
        resolve("s3://private/a.txt", root, s3_buckets=["docs"])
    with pytest.raises(SourceNotAllowed, match="TASKS_UPLOAD__S3_BUCKETS is empty"):
        resolve("s3://docs/a.txt", root)


def test_dotdot_traversal_out_of_a_subfolder_is_refused(folder: Path, storage_root: Path) -> None:
    with pytest.raises(SourceNotAllowed, match="outside the storage root"):
        resolve(f"{folder.name}/../../secret.txt", storage_root)


def test_symlink_escaping_the_root_is_refused(folder: Path, storage_root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    os.symlink(outside, folder / "link.txt")

    with pytest.raises(SourceNotAllowed, match="outside the storage root"):
        resolve(str(folder / "link.txt"), storage_root)


def test_missing_file_inside_the_root(folder: Path, storage_root: Path) -> None:
    with pytest.raises(SourceNotFound):
        resolve(str(folder / "nope.txt"), storage_root)


def test_fetch_hashes_and_checks_the_size(folder: Path, settings: Settings) -> None:
    (folder / "a.txt").write_bytes(b"hello world")

    with fetch(str(folder / "a.txt"), settings.upload, settings.aws, expected_size=11) as fetched:
        assert fetched.sha256 == hashlib.sha256(b"hello world").hexdigest()
        assert fetched.size == 11
        assert fetched.file.read() == b"hello world"

    with (
        pytest.raises(SizeMismatch, match="12"),
        fetch(str(folder / "a.txt"), settings.upload, settings.aws, expected_size=12),
    ):
        pass


def test_fetch_refuses_files_over_the_limit(folder: Path, settings: Settings) -> None:
    (folder / "big.txt").write_bytes(b"x" * 2048)
    upload = settings.upload.model_copy(update={"max_file_bytes": 1024})

    with (
        pytest.raises(FileTooLarge, match="over the limit of 1024"),
        fetch(str(folder / "big.txt"), upload, settings.aws),
    ):
        pass


def test_s3_sources_stream_through_boto3(s3_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    upload = settings.upload.model_copy(update={"s3_buckets": ["docs-unit"]})
    aws = settings.aws.model_copy(update={"s3_endpoint_url": AnyHttpUrl(s3_url)})
    client = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1")
    client.create_bucket(Bucket="docs-unit")
    client.put_object(Bucket="docs-unit", Key="dir/a.txt", Body=b"from s3")

    with fetch("s3://docs-unit/dir/a.txt", upload, aws, expected_size=7) as fetched:
        assert (fetched.file.read(), fetched.name) == (b"from s3", "a.txt")
    with pytest.raises(SourceNotFound), fetch("s3://docs-unit/missing.txt", upload, aws):
        pass
    with pytest.raises(SizeMismatch), fetch("s3://docs-unit/dir/a.txt", upload, aws, expected_size=8):
        pass
