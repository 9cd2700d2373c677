"""`celery -A tasks health`: probe every dependency from here; exit 0, 1 or 2."""

from __future__ import annotations

from typing import Any

import click
from celery.bin.base import CeleryCommand

from tasks.cli.output import emit_json
from tasks.health.checks import check_all

EXIT_STATUS = {"healthy": 0, "degraded": 1, "unhealthy": 2}


@click.command(cls=CeleryCommand)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def health(ctx: click.Context, as_json: bool) -> None:
    """Check every dependency (exit status 0 healthy, 1 degraded, 2 unhealthy)."""
    report: dict[str, Any] = check_all(ctx.obj.app, ctx.obj.app.settings)
    if as_json:
        emit_json(report)
    else:
        click.echo(f"overall: {report['status']}  ({report['checked_at']})")
        for name, check in report["checks"].items():
            click.echo(f"  {name:15} {check['status']:15} {check['response_ms']:>9} ms  {check['message']}")
    ctx.exit(EXIT_STATUS[report["status"]])
