"""Exponential backoff with full jitter, capped below what the broker can hold."""

from __future__ import annotations

import random


def backoff_s(attempt: int, *, base_s: float, cap_s: float, rng: random.Random | None = None) -> float:
    """Full-jitter delay before retry number `attempt + 1` (AWS architecture blog's "full jitter")."""
    ceiling = min(cap_s, base_s * (2**attempt))
    return (rng or random).uniform(0, ceiling)


def broker_safe_cap_s(visibility_timeout_s: float, wanted_cap_s: float) -> float:
    """The largest countdown a Redis broker holds safely: half its visibility timeout.

    A countdown past the visibility timeout makes Redis redeliver the message while
    the first worker still holds it, again and again (celery/celery#4400).
    """
    return min(wanted_cap_s, visibility_timeout_s / 2)
