"""`celery -A tasks report`: the latest daily summary.

Celery defines a built-in `report` (a bug-report dump, `app.bugreport()`) after it loads
its plugins, so it shadows any plugin of that name; `take_over_builtin_report` gives
that command our behaviour.
"""

from __future__ import annotations

import sys

import click
from celery.bin.base import CeleryCommand

from tasks.cli.output import emit_json
from tasks.reports.summary import as_text, latest


@click.command(cls=CeleryCommand)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def report(ctx: click.Context, as_json: bool) -> None:
    """Show the latest daily summary (exit status 1 when there is none yet)."""
    found = latest(1)
    if as_json:
        emit_json(found[0] if found else None)
    elif found:
        click.echo(as_text(found[0]))
    else:
        click.echo("No daily summary yet: reports.daily_summary runs at 09:00 UTC.", err=True)
    ctx.exit(0 if found else 1)


def take_over_builtin_report() -> None:
    """In a `celery` process, turn the built-in `report` into ours.

    The app is loaded after click has resolved the sub-command but before it parses
    the sub-command's options, so the resolved command object is changed in place.
    """
    group: click.Group | None = getattr(sys.modules.get("celery.bin.celery"), "celery", None)
    if group is None:
        return
    builtin = group.commands.get("report")
    if builtin is None or builtin.callback is report.callback:
        return
    builtin.callback = report.callback
    builtin.params = list(report.params)
    builtin.help = report.help
