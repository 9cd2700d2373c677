"""`celery -A tasks dlq list|show|replay|purge`: triage and replay the dead-letter store."""

from __future__ import annotations

from typing import Any

import click
from celery.bin.base import CeleryCommand

from tasks import deadletter
from tasks.cli.output import emit_json
from tasks.deadletter import DeadLetterError


@click.group(cls=click.Group)
def dlq() -> None:
    """Inspect, replay and purge dead letters."""


@dlq.command("list", cls=CeleryCommand)
@click.option("--task", "task_name", help="Only this task name.")
@click.option("--reason", type=click.Choice(deadletter.REASONS), help="Only this reason.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def list_command(task_name: str | None, reason: str | None, limit: int, as_json: bool) -> None:
    """Dead letters, newest first."""
    entries = deadletter.list_entries(task=task_name, reason=reason, limit=limit)
    if as_json:
        emit_json(entries)
        return
    if not entries:
        click.echo("no dead letters")
        return
    click.echo(f"{'ID':32}  {'FAILED AT':29}  {'REASON':17}  {'TASK':30}  REPLAYED AS")
    for entry in entries:
        click.echo(
            f"{entry['id']:32}  {entry['failed_at']:29}  {entry['reason']:17}  {entry['task']:30}  "
            f"{entry['replayed_as'] or '-'}"
        )


@dlq.command("show", cls=CeleryCommand)
@click.argument("entry_id")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def show(ctx: click.Context, entry_id: str, as_json: bool) -> None:
    """One dead letter with its arguments and traceback."""
    entry = deadletter.get(entry_id)
    if entry is None:
        _fail(ctx, f"no dead letter with id {entry_id!r}", as_json)
        return
    if as_json:
        emit_json(entry)
        return
    for field in ("id", "task_id", "task", "queue", "reason", "exception_type", "exception_message", "retries"):
        click.echo(f"{field:18} {entry[field]}")
    for field in ("worker", "failed_at", "replayed_as", "args", "kwargs"):
        click.echo(f"{field:18} {entry[field]}")
    click.echo("traceback:")
    click.echo(entry["traceback"])


@dlq.command("replay", cls=CeleryCommand)
@click.argument("entry_id", required=False)
@click.option("--all", "replay_all", is_flag=True, help="Every entry not yet replayed.")
@click.option("--task", "task_name", help="With --all: only this task name.")
@click.option("--force", is_flag=True, help="Replay entries that were already replayed.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def replay(
    ctx: click.Context, entry_id: str | None, replay_all: bool, task_name: str | None, force: bool, as_json: bool
) -> None:
    """Send an entry's task again under a new task id (or every entry with --all)."""
    if bool(entry_id) == replay_all:
        raise click.UsageError("give one entry ID or --all")
    ids = [entry_id] if entry_id else [e["id"] for e in _all(task_name) if force or not e["replayed_as"]]
    replayed: dict[str, str] = {}
    try:
        for one in ids:
            replayed[one] = deadletter.replay(ctx.obj.app, one, force=force)
    except DeadLetterError as error:
        _fail(ctx, str(error), as_json, {"replayed": replayed})
        return
    if as_json:
        emit_json({"replayed": replayed})
        return
    for old, new in replayed.items():
        click.echo(f"replayed {old} as task {new}")
    if not replayed:
        click.echo("nothing to replay")


@dlq.command("purge", cls=CeleryCommand)
@click.option("--task", "task_name", help="Only this task name's entries.")
@click.option("--yes", is_flag=True, help="Confirm: entries are deleted for good.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def purge(ctx: click.Context, task_name: str | None, yes: bool, as_json: bool) -> None:
    """Delete dead letters (all, or one task name's); needs --yes."""
    if not yes:
        _fail(ctx, "purge deletes dead letters for good: add --yes to confirm", as_json)
        return
    removed = deadletter.purge(task=task_name)
    if as_json:
        emit_json({"purged": removed})
    else:
        click.echo(f"purged {removed} dead letter(s)")


def _all(task_name: str | None) -> list[dict[str, Any]]:
    return deadletter.list_entries(task=task_name, limit=10**9)


def _fail(ctx: click.Context, message: str, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    if as_json:
        emit_json({"error": message, **(extra or {})})
    else:
        click.echo(f"error: {message}", err=True)
    ctx.exit(1)
