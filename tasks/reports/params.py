"""Keyword arguments of the report tasks, as pydantic models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DeliverParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary_id: str
