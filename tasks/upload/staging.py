"""Staging a local file in S3 for `documents upload`, so a worker on any host can read it."""

from __future__ import annotations

from pathlib import Path

from tasks.settings import AwsSettings, UploadSettings
from tasks.upload.errors import StorageUnavailable
from tasks.upload.sources import s3_client


def staged_key(prefix: str, collection: str, sha256: str, name: str) -> str:
    """Content-addressed, like a copy under the storage root: the same bytes are staged once."""
    return f"{prefix}{collection}/{sha256[:16]}-{name}"


def stage_in_s3(path: Path, collection: str, sha256: str, upload: UploadSettings, aws: AwsSettings) -> str:
    """Put `path` in the staging bucket (unless an object of its size is there); return its `s3://` source."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = upload.staging_bucket
    assert bucket is not None
    key = staged_key(upload.staging_prefix, collection, sha256, path.name)
    client = s3_client(aws)
    try:
        try:
            head = client.head_object(Bucket=bucket, Key=key)
            present = int(head["ContentLength"]) == path.stat().st_size
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code", "")) not in {"404", "NoSuchKey", "NotFound"}:
                raise
            present = False
        if not present:
            client.upload_file(str(path), bucket, key)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise StorageUnavailable(f"S3 refused staging {path.name!r} in bucket {bucket!r}: {code}") from None
    except BotoCoreError as error:
        raise StorageUnavailable(f"S3 unreachable for staging in bucket {bucket!r}: {type(error).__name__}") from None
    return f"s3://{bucket}/{key}"
