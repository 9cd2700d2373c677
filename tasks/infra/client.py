"""The DynamoDB client, built from the AWS settings when first needed (once per process)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from tasks.infra.errors import CredentialsError
from tasks.settings import AwsSettings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: Bounds on one HTTP exchange with DynamoDB.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
#: A health probe answers quickly or not at all.
PROBE_TIMEOUT_S = 3.0


def aws_configured(aws: AwsSettings) -> bool:
    """An endpoint is set, or boto3 finds credentials the way it always does."""
    return aws.endpoint_url is not None or boto3.session.Session().get_credentials() is not None


def build_client(aws: AwsSettings, *, probe: bool = False) -> DynamoDBClient:
    """A client with botocore's standard retries (throttling, transient faults) and bounded timeouts."""
    session = boto3.session.Session()
    if session.get_credentials() is None:
        raise CredentialsError(
            "no AWS credentials found: configure them as boto3 reads them "
            "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, or an instance role)"
        )
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1 if probe else aws.max_attempts},
        connect_timeout=PROBE_TIMEOUT_S if probe else CONNECT_TIMEOUT_S,
        read_timeout=PROBE_TIMEOUT_S if probe else READ_TIMEOUT_S,
    )
    return session.client(
        "dynamodb",
        region_name=aws.region,
        endpoint_url=str(aws.endpoint_url) if aws.endpoint_url else None,
        config=config,
    )


@lru_cache(maxsize=1)
def get_client(aws: AwsSettings) -> DynamoDBClient:
    """The process's client for `aws`; boto3 clients are thread-safe."""
    return build_client(aws)
