"""The platform's Celery application, `tasks.app`, loaded on first use, and `tasks.enqueue_many`.

Loading lazily keeps `celery -A tasks` sub-command plugins light, and gives the
command line one hook that runs after `celery` itself is fully imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from celery import _state
from celery.local import Proxy

if TYPE_CHECKING:
    from celery import Celery

    from tasks.core.batch import enqueue_many

    app: Celery

__all__ = ["app", "enqueue_many"]


def __getattr__(name: str) -> Any:
    if name == "enqueue_many":
        from tasks.core.batch import enqueue_many

        return enqueue_many
    if name != "app":
        raise AttributeError(f"module 'tasks' has no attribute {name!r}")
    from tasks.application import app
    from tasks.cli.report import take_over_builtin_report

    take_over_builtin_report()
    return app


def _load_app() -> Celery:
    from tasks.application import app

    return app


# Tasks register on the current app (tasks.core.task). Where no app is current, as in a client
# that imports a task module alone to call `.delay()`, Celery's fallback is the platform app,
# loaded on first use, so its settings and hooks are always the ones in force.
_state.set_default_app(Proxy(_load_app))
