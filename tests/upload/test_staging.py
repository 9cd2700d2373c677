"""`documents upload` with TASKS_UPLOAD__STAGING_BUCKET: files staged in S3 (moto), read by a worker of another host."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from celery import Celery

from tasks.settings import Settings
from tests.harness.cli import celery

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
BUCKET = "docs-staging"


def test_the_staging_bucket_must_be_readable_by_workers() -> None:
    with pytest.raises(ValueError, match="TASKS_UPLOAD__STAGING_BUCKET must be one of TASKS_UPLOAD__S3_BUCKETS"):
        Settings(_env_file=None, upload={"staging_bucket": BUCKET})  # type: ignore[call-arg, arg-type]


def test_upload_stages_in_s3_for_a_worker_without_the_file(
    s3_url: str,
    isolated_worker: Callable[..., Celery],
    tmp_path: Path,
    collection: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    shared = {
        "TASKS_AWS__S3_ENDPOINT_URL": s3_url,
        "TASKS_UPLOAD__S3_BUCKETS": BUCKET,
        "TASKS_UPLOAD__STAGING_BUCKET": BUCKET,
        "TASKS_UPLOAD__STAGING_PREFIX": "incoming/",
        **CREDENTIALS,
    }
    # The worker's host has a storage root of its own, which never holds the file.
    worker_root = tmp_path / "worker-root"
    client = isolated_worker({**shared, "TASKS_UPLOAD__STORAGE_ROOT": str(worker_root)})
    (tmp_path / "mine").mkdir()
    document = tmp_path / "mine" / "lighthouse.txt"
    document.write_text("The lighthouse keeper trims the wick at dusk. " * 5)

    def upload() -> list[dict[str, object]]:
        done = celery(
            "documents",
            "upload",
            str(document),
            "--collection",
            collection,
            "--wait",
            "--json",
            env={**shared, "TASKS_BROKER_URL": client.conf.broker_url, "TASKS_RESULT_BACKEND": client.conf.broker_url},
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        submissions: list[dict[str, object]] = json.loads(done.stdout)
        return submissions

    first = upload()
    again = upload()

    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert len(keys) == 1
    assert keys[0].startswith(f"incoming/{collection}/") and keys[0].endswith("-lighthouse.txt")
    assert first[0]["status"] == "SUCCESS"
    result = first[0]["result"]
    assert isinstance(result, dict) and result["status"] == "completed"
    assert again[0]["document_id"] == first[0]["document_id"]
    assert not (settings.upload.storage_root / collection).exists()
    assert not any(worker_root.rglob("*.txt"))
    from tasks.upload import get_document

    record = get_document(str(first[0]["document_id"]))
    assert record is not None and record["source"] == f"s3://{BUCKET}/{keys[0]}"
