"""`celery -A tasks console [--address A] [--port P]`: the web console."""

from __future__ import annotations

import click
from celery.bin.base import CeleryCommand


@click.command(cls=CeleryCommand)
@click.option("--address", help="Interface to listen on (default: TASKS_CONSOLE__ADDRESS, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65_535), help="Port (default: TASKS_CONSOLE__PORT, 5556).")
@click.pass_context
def console(ctx: click.Context, address: str | None, port: int | None) -> None:
    """Serve the web console: dead letters, metrics, documents, infrastructure, pull requests."""
    from tasks.console import serve

    app = ctx.obj.app
    settings = app.settings
    serve(app, settings, address or settings.console.address, port or settings.console.port)
