"""The vector store's health check."""

from __future__ import annotations

from tasks.core.probe import CheckResult
from tasks.settings import Settings
from tasks.upload import vector_store


def check_vector_store(settings: Settings) -> CheckResult:
    """Healthy when Chroma answers a heartbeat (the server's, or the embedded store's)."""
    return CheckResult("healthy", f"Chroma answered ({vector_store.ping(vector_store.Store.from_settings(settings))})")
