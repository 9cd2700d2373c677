"""`s3://` sources through a real worker on moto: only the buckets of TASKS_UPLOAD__S3_BUCKETS are read."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from celery import Celery

from tests.upload.helpers import INGEST_TIMEOUT_S, dead_letter, ingest, submit

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture
def buckets(s3_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given an allowed bucket and a private one, each holding a document."""
    import boto3

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1")
    for bucket in ("docs-allowed", "docs-private"):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="a.txt", Body=f"A note kept in {bucket} about tide tables.".encode())


def s3_worker(isolated_worker: Callable[..., Celery], s3_url: str, allowed: str) -> Celery:
    return isolated_worker({"TASKS_AWS__S3_ENDPOINT_URL": s3_url, "TASKS_UPLOAD__S3_BUCKETS": allowed, **CREDENTIALS})


def refused(client: Celery, source: str, problem: str) -> None:
    from tasks.upload import get_document

    result = submit(client, source=source, collection="s3checks", document_id="s3-refused")
    with pytest.raises(Exception, match=problem):
        result.get(timeout=INGEST_TIMEOUT_S)
    entry = dead_letter(result.id)
    assert entry["reason"] == "validation_error"
    assert f"source: {problem}" in entry["exception_message"]
    record = get_document("s3-refused")
    assert record is not None and record["status"] == "failed"


@pytest.mark.usefixtures("buckets")
def test_only_listed_buckets_are_read(isolated_worker: Callable[..., Celery], s3_url: str, collection: str) -> None:
    client = s3_worker(isolated_worker, s3_url, '["docs-allowed", "docs-other"]')

    result = ingest(client, source="s3://docs-allowed/a.txt", collection=collection)

    assert result["status"] == "completed"
    refused(client, "s3://docs-private/a.txt", "bucket 'docs-private' is not in TASKS_UPLOAD__S3_BUCKETS")


@pytest.mark.usefixtures("buckets")
def test_no_listed_bucket_refuses_every_s3_source(isolated_worker: Callable[..., Celery], s3_url: str) -> None:
    client = s3_worker(isolated_worker, s3_url, "")

    refused(client, "s3://docs-allowed/a.txt", "s3:// sources are refused: TASKS_UPLOAD__S3_BUCKETS is empty")
