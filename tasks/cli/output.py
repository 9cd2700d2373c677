"""Shared output helpers: `--json` prints one JSON document on stdout and nothing else."""

from __future__ import annotations

import json
from typing import Any

import click


def emit_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, sort_keys=True, default=str))
