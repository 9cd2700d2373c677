"""The task base's tests run real workers with the test-only tasks of tests.hooks."""

from __future__ import annotations

from tests.hooks.conftest import pytest_configure, sample_worker

__all__ = ["pytest_configure", "sample_worker"]
