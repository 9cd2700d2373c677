"""The Celery application every `celery -A tasks ...` command and every client uses."""

from __future__ import annotations

from typing import Any

from celery import Celery, signals

import celeryconfig
from tasks import flower, hooks, logs
from tasks.broker.publish import PipelinedCelery
from tasks.core.timers import TimerSweep
from tasks.liveness.watchdog import ConsumerWatchdog
from tasks.settings import get_settings

settings = get_settings()
app = PipelinedCelery("tasks")
#: Read once here and handed down: tasks reach it as `task.settings`, hooks at registration.
app.settings = settings
app.config_from_object(celeryconfig.build(settings))
flower.configure(settings)
hooks.register(app)
app.steps["consumer"].add(ConsumerWatchdog)
app.steps["consumer"].add(TimerSweep)


@signals.setup_logging.connect
def _setup_logging(loglevel: int | str | None = None, **_: Any) -> None:
    logs.configure(settings.log_format, loglevel or settings.log_level, settings.secrets(), settings.http_log_level)


@app.on_after_finalize.connect
def _load_schedule(sender: Celery, **_: Any) -> None:
    import beat_schedule

    sender.conf.beat_schedule = beat_schedule.build(settings)
