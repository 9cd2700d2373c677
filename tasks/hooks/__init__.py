"""Cross-cutting task hooks (metrics, dead letters, log context, redaction, liveness), wired by `register(app)`.

The hook protocol and its dispatcher are the core's (`tasks.core.events`); this package builds
the hooks from the app's settings and connects them to Celery's signals.
"""

from tasks.hooks.wiring import build, register

__all__ = ["build", "register"]
