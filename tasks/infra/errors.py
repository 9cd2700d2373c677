"""Errors of the infrastructure tasks, and the one place AWS errors are classified."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    WaiterError,
)

from tasks.errors import PermanentError, RetryableError

#: Error codes that pass: throttling, limits, a table busy with another update, AWS-side faults.
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "ResourceInUseException",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
    }
)

#: Error codes that mean the credentials are missing, wrong, expired or not allowed.
CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "IncompleteSignature",
        "InvalidClientTokenId",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "ExpiredTokenException",
        "AccessDeniedException",
    }
)


class InfraTransientError(RetryableError):
    """An AWS call failed for a reason that passes; the run is retried later."""


class LockBusy(RetryableError):
    """Another run holds the environment's lock: this one retries later, never alongside.

    Waiting does not spend the retry budget; it is bounded by the lock's own lifetime instead.
    """

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message, retry_after_s=retry_after_s, counts_as_attempt=False)


class LockWaitExpired(PermanentError):
    """The lock stayed held by another run for longer than its lifetime: this run gives up."""


class LockLost(RetryableError):
    """The run's lock expired or was taken over: it stops before writing anything more."""


class WaitTimeout(RetryableError):
    """A table or an index did not become ACTIVE in time; the next run carries on."""


class CredentialsError(PermanentError):
    """AWS credentials are missing or refused: no retry can fix that."""


class SpecError(PermanentError):
    """The table specs would be rejected by DynamoDB; found before any AWS call."""


class Refused(PermanentError):
    """A request the platform refuses on purpose (a protected environment, a wrong confirmation)."""


class AwsRejected(PermanentError):
    """AWS refused a request in a way that retrying will not change."""


def classify(error: Exception) -> Exception:
    """The platform error an AWS/botocore exception stands for (the exception itself if none)."""
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return CredentialsError(
            "no usable AWS credentials: configure them as boto3 reads them "
            "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, or an instance role)"
        )
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        operation = error.operation_name
        if code in CREDENTIAL_CODES:
            return CredentialsError(f"AWS refused the credentials ({code} on {operation}): check the account and keys")
        if code in TRANSIENT_CODES:
            return InfraTransientError(f"{operation} failed with {code}; retrying later")
        return AwsRejected(f"{operation} failed with {code}: {error.response.get('Error', {}).get('Message', '')}")
    if isinstance(error, WaiterError):
        return WaitTimeout(f"waiting failed: {error}")
    if isinstance(error, ConnectionError | HTTPClientError):
        return InfraTransientError(f"cannot reach DynamoDB: {error}")
    if isinstance(error, BotoCoreError):
        return AwsRejected(f"AWS client error: {error}")
    return error


@contextmanager
def aws_errors() -> Iterator[None]:
    """Re-raise AWS/botocore exceptions as the platform errors the retry policy reads."""
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise classify(error) from error
