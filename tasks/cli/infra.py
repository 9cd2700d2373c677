"""`celery -A tasks infra status|ensure`: an environment's last run, and a run followed phase by phase."""

from __future__ import annotations

from typing import Any, get_args

import click
from celery.bin.base import CeleryCommand
from celery.result import AsyncResult

from tasks.cli.output import emit_json
from tasks.infra.probes import health_view
from tasks.infra.status import events_key, get_status
from tasks.redis_client import get_redis
from tasks.settings import Environment

ENVIRONMENTS = click.Choice(get_args(Environment))
#: How long one read of the event stream blocks before the task's state is checked again.
FOLLOW_BLOCK_MS = 1000


@click.group(cls=click.Group)
def infra() -> None:
    """DynamoDB tables per environment: last status, and runs of infra.ensure_tables."""


@infra.command("status", cls=CeleryCommand)
@click.argument("environment", required=False, type=ENVIRONMENTS)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def status(ctx: click.Context, environment: str | None, as_json: bool) -> None:
    """The environment's last execution result and its health."""
    environment = environment or ctx.obj.app.settings.environment
    record = get_status(environment) or {"environment": environment, "status": "idle"}
    view = health_view(environment)
    document = {**record, "health": {"status": view.status, "message": view.message}}
    if as_json:
        emit_json(document)
        return
    click.echo(f"environment: {environment}")
    click.echo(f"health:      {view.status} ({view.message})")
    for field in ("status", "phase", "run_id", "owner", "start_time", "end_time", "duration_s", "retry_count"):
        if field in record:
            click.echo(f"{field + ':':12} {record[field]}")
    for field in ("tables_created", "indexes_created", "tables_deleted", "fixes_applied", "plan", "drift"):
        for line in record.get(field) or []:
            click.echo(f"{field + ':':12} {line}")
    for issue in record.get("issues") or []:
        click.echo(f"issue:       [{issue['fix']}] {issue['table']}: {issue['message']}")
    if record.get("error_message"):
        click.echo(f"error:       {record['error_message']}")
    if record.get("next_action"):
        click.echo(f"next action: {record['next_action']}")


@infra.command("ensure", cls=CeleryCommand)
@click.argument("environment", required=False, type=ENVIRONMENTS)
@click.option("--dry-run", is_flag=True, help="Read and plan; write nothing.")
@click.option("--wait", is_flag=True, help="Follow the run's phases until it ends.")
@click.pass_context
def ensure(ctx: click.Context, environment: str | None, dry_run: bool, wait: bool) -> None:
    """Queue infra.ensure_tables; with --wait, show each phase as it passes (exit 1 unless it succeeds)."""
    environment = environment or ctx.obj.app.settings.environment
    client = get_redis()
    stream = events_key(environment)
    newest = client.xrevrange(stream, count=1)
    last_id = str(newest[0][0]) if newest else "0-0"
    result = ctx.obj.app.send_task("infra.ensure_tables", kwargs={"environment": environment, "dry_run": dry_run})
    click.echo(f"queued infra.ensure_tables for {environment}: {result.id}")
    if not wait:
        return
    while True:
        finished = result.ready()
        response: Any = client.xread({stream: last_id}, block=FOLLOW_BLOCK_MS)
        for _, entries in response or []:
            for entry_id, fields in entries:
                last_id = str(entry_id)
                if fields.get("run_id") == result.id:
                    click.echo(f"{fields['at']}  {fields['status']:20}  {fields['phase']}")
        if finished:
            break
    ctx.exit(_outcome(result))


def _outcome(result: AsyncResult) -> int:
    if result.failed():
        click.echo(f"failed: {result.result}")
        return 1
    document: dict[str, Any] = result.get()
    summary = ", ".join(f"{field}={document.get(field)}" for field in ("success", "status", "valid"))
    click.echo(summary)
    for line in document.get("plan") or []:
        click.echo(f"plan: {line}")
    if document.get("next_action") not in {None, "", "none"}:
        click.echo(f"next action: {document['next_action']}")
    return 0 if document.get("success") else 1
