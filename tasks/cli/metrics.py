"""`celery -A tasks metrics [--json | --prometheus]`: the shared task metrics."""

from __future__ import annotations

from typing import Any

import click
from celery.bin.base import CeleryCommand
from prometheus_client import CollectorRegistry, generate_latest

from tasks.cli.output import emit_json
from tasks.metrics import snapshot
from tasks.metrics.prometheus import SharedMetricsCollector


@click.command(cls=CeleryCommand)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--prometheus", is_flag=True, help="Print the Prometheus text exposition.")
@click.pass_context
def metrics(ctx: click.Context, as_json: bool, prometheus: bool) -> None:
    """Per-task counts and timings, queue lengths and workers, from every host."""
    if as_json and prometheus:
        raise click.UsageError("--json and --prometheus exclude each other")
    app = ctx.obj.app
    if prometheus:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(SharedMetricsCollector(app))
        click.echo(generate_latest(registry).decode(), nl=False)
        return
    view = snapshot(app)
    if as_json:
        emit_json(view)
        return
    render_table(view)


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
