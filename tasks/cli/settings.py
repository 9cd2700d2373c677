"""`celery -A tasks settings`: the effective settings, secrets masked; and the README's settings reference.

Both walk `tasks.settings.Settings`: every leaf field becomes one `TASKS_*` variable. A field's
description is its `#:` comment in tasks/settings.py (or a pydantic `description`).
"""

from __future__ import annotations

import ast
import inspect
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import click
from celery.bin.base import CeleryCommand
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from tasks import settings as settings_module
from tasks.cli.output import emit_json
from tasks.redaction import redact
from tasks.settings import ScheduleSettings, Settings

PREFIX = "TASKS_"
#: The schedule's fields are beat entries; their defaults live in beat_schedule.py.
SCHEDULE_NOTE = "Cron expression replacing the entry's own (see beat_schedule.py); empty disables it."


@dataclass(frozen=True)
class Variable:
    """One leaf setting: its path in the model (`upload.max_pages`) and what the reference shows."""

    path: tuple[str, ...]
    type: str
    default: str
    description: str

    @property
    def env(self) -> str:
        return PREFIX + "__".join(self.path).upper()


@cache
def _source_notes() -> dict[tuple[str, str], tuple[str, str]]:
    """(class, field) -> (annotation as written, `#:` comment) for every class of tasks/settings.py."""
    source = inspect.getsource(settings_module)
    lines = source.splitlines()
    notes: dict[tuple[str, str], tuple[str, str]] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                comment: list[str] = []
                row = item.lineno - 2
                while row >= 0 and lines[row].strip().startswith("#:"):
                    comment.insert(0, lines[row].strip()[2:].strip())
                    row -= 1
                notes[(node.name, item.target.id)] = (_written_type(item.annotation), " ".join(comment))
    return notes


def _written_type(annotation: ast.expr) -> str:
    """The annotation as written; of `Annotated[T, marker]`, `T` alone."""
    if isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value) == "Annotated":
        assert isinstance(annotation.slice, ast.Tuple)
        annotation = annotation.slice.elts[0]
    return ast.unparse(annotation)


def _model_of(field: FieldInfo) -> type[BaseModel] | None:
    annotation = field.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "empty"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def variables(model: type[BaseModel] = Settings, path: tuple[str, ...] = ()) -> list[Variable]:
    """Every leaf setting of `model`, in declaration order, nested sections expanded in place."""
    found: list[Variable] = []
    notes = _source_notes()
    for name, field in model.model_fields.items():
        nested = _model_of(field)
        if nested is not None:
            found += variables(nested, (*path, name))
            continue
        if issubclass(model, ScheduleSettings):
            found.append(Variable((*path, name), "str | None", "the entry's own", SCHEDULE_NOTE))
            continue
        annotation, comment = notes.get((model.__name__, name), (str(field.annotation), ""))
        default = _shown(field.get_default(call_default_factory=True))
        found.append(Variable((*path, name), annotation, default, field.description or comment))
    return found


def reference_markdown() -> str:
    """The README's settings reference: one table row per variable."""
    rows = ["| variable | type | default | description |", "|---|---|---|---|"]
    for variable in variables():
        cells = (f"`{variable.env}`", f"`{variable.type}`", f"`{variable.default}`", variable.description)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def effective(settings: Settings) -> dict[str, Any]:
    """The settings as plain JSON values, every secret masked (secret strings, secret URLs, URL user-info)."""
    dumped: dict[str, Any] = redact(settings.model_dump(mode="json"), settings.secrets())
    return dumped


def by_variable(document: dict[str, Any]) -> list[tuple[str, Any]]:
    """(variable, value) for every leaf setting, in the reference's order."""
    rows: list[tuple[str, Any]] = []
    for variable in variables():
        value: Any = document
        for part in variable.path:
            value = value[part]
        rows.append((variable.env, value))
    return rows


@click.command(cls=CeleryCommand)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def settings(ctx: click.Context, as_json: bool) -> None:
    """Print the effective settings (environment, .env and defaults), secrets masked."""
    document = effective(ctx.obj.app.settings)
    if as_json:
        emit_json(document)
        return
    for env, value in by_variable(document):
        click.echo(f"{env:<48} {_shown(value)}")
