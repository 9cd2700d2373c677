"""Report tasks (queue `scheduled`)."""

from __future__ import annotations

from typing import Any

from tasks.core.task import NoParams, PlatformTask, platform_task
from tasks.errors import PermanentError
from tasks.metrics import snapshot
from tasks.reports import delivery, summary
from tasks.reports.params import DeliverParams


@platform_task(name="reports.daily_summary", bind=True)
def daily_summary(task: PlatformTask, _: NoParams) -> dict[str, Any]:
    """Summarise the period since the previous summary, keep it, and queue its delivery."""
    settings = task.settings
    report = summary.build(snapshot(task.app), settings.environment)
    if settings.reports.webhook_url is not None:
        deliver_summary.delay(summary_id=report["id"])
    return report


@platform_task(name="reports.deliver_summary", params=DeliverParams, max_retries=8, bind=True)
def deliver_summary(task: PlatformTask, params: DeliverParams) -> dict[str, Any]:
    """Post a kept summary to `TASKS_REPORTS__WEBHOOK_URL`; failures retry with backoff."""
    url = task.settings.reports.webhook_url
    report = summary.find(params.summary_id)
    if url is None or report is None:
        raise PermanentError(f"nothing to deliver for summary {params.summary_id}")
    return {"summary_id": params.summary_id, "status_code": delivery.post(str(url), report)}
