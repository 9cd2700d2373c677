"""The statuses an ensure run on a fresh environment records, in order (asserted by several tests)."""

from __future__ import annotations

FRESH_ENVIRONMENT = [
    "initializing",
    "initializing",
    "creating_tables",
    "creating_tables",
    "waiting_for_tables",
    "waiting_for_tables",
    "validating",
    "completed",
]
