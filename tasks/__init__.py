"""The platform's Celery application, `tasks.app`, loaded on first use.

Loading lazily keeps `celery -A tasks` sub-command plugins light, and gives the
command line one hook that runs after `celery` itself is fully imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Celery

    app: Celery

__all__ = ["app"]


def __getattr__(name: str) -> Any:
    if name != "app":
        raise AttributeError(f"module 'tasks' has no attribute {name!r}")
    from tasks.application import app
    from tasks.cli.report import take_over_builtin_report

    take_over_builtin_report()
    return app
