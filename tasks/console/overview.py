"""The overview: per-task counts, failure rates, runtime and queue-wait percentiles, queues and workers."""

from __future__ import annotations

from typing import Any

from celery import Celery
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tasks.console.charts import bar_chart, histogram
from tasks.console.render import page
from tasks.metrics import snapshot


def failure_rate(stats: dict[str, Any]) -> float | None:
    """Failed runs per finished run, or None before any run finished."""
    finished = int(stats["succeeded"]) + int(stats["failed"])
    return int(stats["failed"]) / finished if finished else None


async def overview(request: Request) -> Response:
    celery_app: Celery = request.app.state.celery
    view = snapshot(celery_app)
    tasks = view["tasks"]
    rates = {task: failure_rate(stats) for task, stats in tasks.items()}
    charts = [
        bar_chart("Queue depth (messages)", {queue: float(length) for queue, length in view["queues"].items()}),
        bar_chart("Failure rate (%)", {t: round(100 * r, 1) if r is not None else None for t, r in rates.items()}),
        bar_chart("Runtime p95 (s)", {task: stats["runtime"]["p95_s"] for task, stats in tasks.items()}),
        bar_chart("Queue wait p95 (s)", {task: stats["queue_wait"]["p95_s"] for task, stats in tasks.items()}),
    ]
    runtimes = {task: histogram(stats["runtime"]["buckets"]) for task, stats in tasks.items()}
    return page(request, "overview.html", view=view, rates=rates, charts=charts, runtimes=runtimes)


routes = [Route("/", overview)]
