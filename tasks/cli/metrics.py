"""`celery -A tasks metrics [--json | --prometheus]`: the shared task metrics; `metrics serve`: the exporter."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import click
from celery.bin.base import CeleryCommand
from prometheus_client import generate_latest

from tasks.cli.output import emit_json
from tasks.exporter import cluster_registry
from tasks.metrics import snapshot
from tasks.metrics.prometheus import PortInUse
from tasks.metrics.prometheus import serve as serve_registry
from tasks.settings import get_settings

log = logging.getLogger(__name__)


@click.group(cls=click.Group, invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--prometheus", is_flag=True, help="Print the Prometheus text exposition (what `serve` serves).")
@click.pass_context
def metrics(ctx: click.Context, as_json: bool, prometheus: bool) -> None:
    """Per-task counts and timings, queue lengths and workers, from every host."""
    if ctx.invoked_subcommand is not None:
        if as_json or prometheus:
            raise click.UsageError("--json and --prometheus go without a sub-command")
        return
    if as_json and prometheus:
        raise click.UsageError("--json and --prometheus exclude each other")
    app = ctx.obj.app
    if prometheus:
        registry = cluster_registry(app, get_settings().metrics.inspect_timeout_s)
        click.echo(generate_latest(registry).decode(), nl=False)
        return
    view = snapshot(app)
    if as_json:
        emit_json(view)
        return
    render_table(view)


@metrics.command(cls=CeleryCommand)
@click.option("--address", help="Interface to listen on (TASKS_METRICS__EXPORTER_ADDRESS).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (TASKS_METRICS__EXPORTER_PORT).")
@click.pass_context
def serve(ctx: click.Context, address: str | None, port: int | None) -> None:
    """Serve the cluster-wide series on /metrics until stopped: run one for the whole platform."""
    settings = get_settings().metrics
    address = address or settings.exporter_address
    port = port or settings.exporter_port
    registry = cluster_registry(ctx.obj.app, settings.inspect_timeout_s)
    try:
        server = serve_registry(registry, port, address)
    except PortInUse as error:
        raise click.ClickException(f"cannot serve /metrics: {error.strerror}") from None
    click.echo(f"serving the platform's metrics on http://{address}:{port}/metrics", err=True)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
    server.shutdown()


#: Columns of the per-task table.
COUNTS = ("received", "started", "succeeded", "failed", "retried", "dead_lettered", "rejected")


def render_table(view: dict[str, Any]) -> None:
    click.echo(f"metrics at {view['generated_at']}")
    header = "".join(f"{name:>14}" for name in COUNTS)
    click.echo(f"\n{'TASK':34}{header}{'avg run s':>11}{'p95 wait s':>11}")
    for task, stats in view["tasks"].items():
        counts = "".join(f"{stats[name]:>14}" for name in COUNTS)
        click.echo(f"{task:34}{counts}{_seconds(stats['runtime']['avg_s'])}{_seconds(stats['queue_wait']['p95_s'])}")
    click.echo(f"\n{'QUEUE':20}{'LENGTH':>8}")
    for queue, length in view["queues"].items():
        click.echo(f"{queue:20}{length:>8}")
    click.echo(
        f"\n{'WORKER':40}{'RUNNING':>8}{'JOBS':>8}{'OK':>8}{'FAILED':>8}{'AVG S':>11}{'PROCS':>8}{'LOST':>6}  LAST JOB"
    )
    for worker, stats in view["workers"].items():
        click.echo(
            f"{worker:40}{'yes' if stats['running'] else 'no':>8}{stats['processed']:>8}{stats['succeeded']:>8}"
            f"{stats['failed']:>8}{_seconds(stats['avg_process_s'])}{stats['pool_started']:>8}{stats['pool_lost']:>6}"
            f"  {stats['last_job_at'] or '-'}"
        )


def _seconds(value: float | None) -> str:
    return f"{value:>11.3f}" if value is not None else f"{'-':>11}"
