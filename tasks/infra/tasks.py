"""The infrastructure tasks: thin wrappers over ensure, validate and delete."""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tasks.core.budget import first_attempt_at
from tasks.core.task import PlatformTask, platform_task
from tasks.infra.client import get_client
from tasks.infra.delete import delete_environment
from tasks.infra.ensure import PROTECTED, EnsureOptions, ensure_environment
from tasks.infra.run import RunContext
from tasks.infra.specs import load_tables
from tasks.infra.validate import drift_report
from tasks.redis_client import get_redis
from tasks.settings import Environment, get_settings


def _default_environment() -> Environment:
    return get_settings().environment


class EnsureParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    environment: Environment = Field(default_factory=_default_environment)
    dry_run: bool = False
    force_recreate: bool = False
    skip_validation: bool = False

    @model_validator(mode="after")
    def _check_force(self) -> Self:
        if self.force_recreate and self.environment in PROTECTED:
            raise ValueError(f"force_recreate is never allowed in {self.environment}")
        return self


class ValidateParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    environment: Environment = Field(default_factory=_default_environment)


class DeleteParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    environment: Environment
    confirm: str

    @model_validator(mode="after")
    def _check_confirm(self) -> Self:
        if self.confirm != self.environment:
            raise ValueError(f"confirm must equal the environment ({self.environment!r})")
        return self


def _context(task: PlatformTask) -> RunContext:
    settings = get_settings()
    retries = task.retries_counted
    return RunContext(
        client=get_client(),
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
    tables = load_tables(get_settings().infra.tables)
    options = EnsureOptions(
        dry_run=params.dry_run, force_recreate=params.force_recreate, skip_validation=params.skip_validation
    )
    return ensure_environment(_context(task), params.environment, tables, options).model_dump(mode="json")


@platform_task(name="infra.validate_tables", params=ValidateParams)
def validate_tables(params: ValidateParams) -> dict[str, Any]:
    """Read-only drift report: `{"environment", "valid", "issues", "drift"}`."""
    return drift_report(get_client(), params.environment, load_tables(get_settings().infra.tables))


@platform_task(name="infra.delete_tables", params=DeleteParams, bind=True)
def delete_tables(task: PlatformTask, params: DeleteParams) -> dict[str, Any]:
    """Delete the environment's tables (confirmed; prod only when settings allow it)."""
    tables = load_tables(get_settings().infra.tables)
    return delete_environment(_context(task), params.environment, tables, params.confirm).model_dump(mode="json")
