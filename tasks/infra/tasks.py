"""The infrastructure tasks: thin wrappers over ensure, validate and delete."""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any

from tasks.core.budget import first_attempt_at
from tasks.core.task import PlatformTask, platform_task
from tasks.infra.client import get_client
from tasks.infra.delete import delete_environment
from tasks.infra.ensure import EnsureOptions, ensure_environment
from tasks.infra.params import DeleteParams, EnsureParams, ValidateParams
from tasks.infra.run import RunContext
from tasks.infra.specs import load_tables
from tasks.infra.validate import drift_report
from tasks.redis_client import get_redis


def _context(task: PlatformTask) -> RunContext:
    settings = task.settings
    retries = task.retries_counted
    return RunContext(
        client=get_client(settings.aws),
        redis=get_redis(),
        settings=settings.infra,
        run_id=task.request.id or uuid.uuid4().hex,
        owner=f"{task.request.hostname or socket.gethostname()}/{os.getpid()}",
        retry_count=retries,
        final_attempt=task.budget_spent,
        first_attempt_at=first_attempt_at(task.request),
    )


@platform_task(name="infra.ensure_tables", params=EnsureParams, bind=True)
def ensure_tables(task: PlatformTask, params: EnsureParams) -> dict[str, Any]:
    """Create, validate and repair the environment's tables; the execution result."""
    tables = load_tables(task.settings.infra.tables)
    options = EnsureOptions(
        dry_run=params.dry_run, force_recreate=params.force_recreate, skip_validation=params.skip_validation
    )
    return ensure_environment(_context(task), params.environment, tables, options).model_dump(mode="json")


@platform_task(name="infra.validate_tables", params=ValidateParams, bind=True)
def validate_tables(task: PlatformTask, params: ValidateParams) -> dict[str, Any]:
    """Read-only drift report: `{"environment", "valid", "issues", "drift"}`."""
    settings = task.settings
    return drift_report(get_client(settings.aws), params.environment, load_tables(settings.infra.tables))


@platform_task(name="infra.delete_tables", params=DeleteParams, bind=True)
def delete_tables(task: PlatformTask, params: DeleteParams) -> dict[str, Any]:
    """Delete the environment's tables (confirmed; prod only when settings allow it)."""
    tables = load_tables(task.settings.infra.tables)
    return delete_environment(_context(task), params.environment, tables, params.confirm).model_dump(mode="json")
