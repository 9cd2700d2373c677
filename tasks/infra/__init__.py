"""DynamoDB tables per environment: declared specs, ensured, validated and repaired by tasks."""

from tasks.infra.status import get_status

__all__ = ["get_status"]
