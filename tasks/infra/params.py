"""Keyword arguments of the infrastructure tasks, as pydantic models."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

from tasks.infra.ensure import PROTECTED
from tasks.settings import Environment, settings_in


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnvironmentParams(Params):
    """An environment, TASKS_ENVIRONMENT when left out."""

    environment: Environment

    @model_validator(mode="before")
    @classmethod
    def _default_environment(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and "environment" not in data:
            return {**data, "environment": settings_in(info).environment}
        return data


class EnsureParams(EnvironmentParams):
    dry_run: bool = False
    force_recreate: bool = False
    skip_validation: bool = False

    @model_validator(mode="after")
    def _check_force(self) -> Self:
        if self.force_recreate and self.environment in PROTECTED:
            raise ValueError(f"force_recreate is never allowed in {self.environment}")
        return self


class ValidateParams(EnvironmentParams):
    """The environment alone: validating changes nothing."""


class DeleteParams(Params):
    environment: Environment
    confirm: str

    @model_validator(mode="after")
    def _check_confirm(self) -> Self:
        if self.confirm != self.environment:
            raise ValueError(f"confirm must equal the environment ({self.environment!r})")
        return self
