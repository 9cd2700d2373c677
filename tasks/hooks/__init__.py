"""Cross-cutting task hooks (metrics, dead letters, log context, redaction, liveness), wired by `register(app)`."""

from tasks.hooks.base import Hook, Hooks
from tasks.hooks.registry import emit, register

__all__ = ["Hook", "Hooks", "emit", "register"]
