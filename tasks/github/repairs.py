"""Which repair `pr.analyze_check_failure` queues for its diagnosis, and the guards that may refuse it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tasks.github import fixtargets, state


@dataclass(frozen=True)
class Repair:
    strategy: str | None
    queued: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def strategy_for(analysis: dict[str, Any]) -> str | None:
    """The `pr.apply_fix` strategy that repairs a diagnosis, or None when none does."""
    if analysis.get("fix_strategy") == "rerun_failed_jobs":
        return "rerun_failed_jobs"
    tool = analysis.get("tool")
    if analysis.get("category") == "format" and tool in fixtargets.FORMATTERS_BY_TOOL:
        return "format"
    if analysis.get("category") == "lint" and tool in fixtargets.LINTERS:
        return "lint_fix"
    return None


@dataclass(frozen=True)
class Policy:
    auto_fix: bool
    min_confidence: float
    max_reruns: int


def decide(policy: Policy, repository: str, head_sha: str, check_name: str, analysis: dict[str, Any]) -> Repair:
    """Whether to queue the repair; claims its guards (once per head, check and strategy) when it is."""
    strategy = strategy_for(analysis)
    if strategy is None:
        return Repair(None, False, "no automatic repair fits this failure")
    if not policy.auto_fix:
        return Repair(strategy, False, "TASKS_GITHUB__AUTO_FIX is off")
    confidence = float(analysis.get("confidence", 0))
    if confidence < policy.min_confidence:
        reason = f"confidence {confidence} is below TASKS_GITHUB__AUTO_FIX_MIN_CONFIDENCE ({policy.min_confidence})"
        return Repair(strategy, False, reason)
    if not state.claim_repair(repository, head_sha, check_name, strategy):
        return Repair(strategy, False, f"{strategy} was already queued for check {check_name!r} of this head")
    if strategy == "rerun_failed_jobs" and state.count_rerun(repository, head_sha) > policy.max_reruns:
        return Repair(strategy, False, f"TASKS_GITHUB__MAX_RERUNS ({policy.max_reruns}) reached for this head")
    return Repair(strategy, True, f"{strategy} queued")
