"""Full-jitter backoff and the broker-safe cap."""

from __future__ import annotations

import random

from tasks.core.backoff import backoff_s, broker_safe_cap_s


def test_full_jitter_stays_under_the_exponential_ceiling() -> None:
    rng = random.Random(7)
    for attempt in range(12):
        ceiling = min(60.0, 2.0 * 2**attempt)
        delays = [backoff_s(attempt, base_s=2.0, cap_s=60.0, rng=rng) for _ in range(200)]
        assert all(0 <= delay <= ceiling for delay in delays)
        # Full jitter spreads over the whole range, not around the ceiling.
        assert min(delays) < ceiling / 4 and max(delays) > ceiling * 3 / 4


def test_the_cap_is_half_the_visibility_timeout() -> None:
    assert broker_safe_cap_s(3600, 600) == 600
    assert broker_safe_cap_s(600, 3600) == 300
