"""What a dependency probe reports, and how probes add up.

In the core so that the domains' probes and the `tasks.health` aggregator above them share it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["healthy", "degraded", "unhealthy", "not_configured", "unknown"]
Overall = Literal["healthy", "degraded", "unhealthy"]


@dataclass
class CheckResult:
    status: Status
    message: str
    response_ms: float | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Stopwatch:
    started: float = field(default_factory=time.perf_counter)

    @property
    def ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 2)


def run_check(check: Callable[[], CheckResult]) -> CheckResult:
    """Run one check; its own exception makes it unhealthy with the message."""
    watch = Stopwatch()
    try:
        result = check()
    except Exception as error:  # a failing dependency is the answer, not a crash
        return CheckResult("unhealthy", f"{type(error).__name__}: {error}", watch.ms)
    if result.response_ms is None:
        result.response_ms = watch.ms
    return result


def overall(results: dict[str, CheckResult]) -> Overall:
    """Unhealthy if any is; degraded if any is; `not_configured` and `unknown` do not count."""
    statuses = {result.status for result in results.values()}
    if "unhealthy" in statuses:
        return "unhealthy"
    if "degraded" in statuses:
        return "degraded"
    return "healthy"
