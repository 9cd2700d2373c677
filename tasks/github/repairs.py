"""Which repair `pr.analyze_check_failure` queues for its diagnosis, and the guards that may refuse it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tasks.github import fixes, fixtargets, state


@dataclass(frozen=True)
class Repair:
    strategy: str | None
    queued: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Failures a model's patch may repair (when TASKS_GITHUB__FIX_MODEL_URL is set).
MODEL_CATEGORIES = frozenset({"test", "type_check", "build", "dependency"})


def strategy_for(analysis: dict[str, Any], model_available: bool = False) -> str | None:
    """The `pr.apply_fix` strategy that repairs a diagnosis, or None when none does."""
    if analysis.get("fix_strategy") == "rerun_failed_jobs":
        return "rerun_failed_jobs"
    tool = analysis.get("tool")
    category = analysis.get("category")
    if category == "format" and tool in fixtargets.FORMATTERS_BY_TOOL:
        return "format"
    if category == "lint" and tool in fixtargets.LINTERS:
        return "lint_fix"
    if model_available and category in MODEL_CATEGORIES:
        return "patch_from_model"
    return None


@dataclass(frozen=True)
class Policy:
    auto_fix: bool
    min_confidence: float
    max_reruns: int
    repair_ttl_s: int
    model_available: bool
    #: TASKS_GITHUB__REPOSITORIES: a webhook may come from others (an organisation's hook), never fixed.
    repositories: frozenset[str]


def decide(
    policy: Policy,
    repository: str,
    head_sha: str,
    check_name: str,
    analysis: dict[str, Any],
    made_by: str | None = None,
) -> Repair:
    """Whether to queue the repair; claims its guards when it is. `made_by`: the strategy of the
    platform's commit that the head is (its own fix), if it is one.

    A re-run is claimed per check of the head, a commit once for the whole head: the first
    commit moves the head, so a second one from another check's analysis could not land.
    """
    strategy = strategy_for(analysis, policy.model_available)
    if strategy is None:
        return Repair(None, False, "no automatic repair fits this failure")
    if not policy.auto_fix:
        return Repair(strategy, False, "TASKS_GITHUB__AUTO_FIX is off")
    if repository not in policy.repositories:
        return Repair(strategy, False, f"{repository} is not in TASKS_GITHUB__REPOSITORIES: fixes go only to those")
    if made_by is not None and strategy in fixes.AUTOMATIC:
        return Repair(strategy, False, f"the head is the platform's own {made_by} fix: it does not fix its own fix")
    confidence = float(analysis.get("confidence", 0))
    if confidence < policy.min_confidence:
        reason = f"confidence {confidence} is below TASKS_GITHUB__AUTO_FIX_MIN_CONFIDENCE ({policy.min_confidence})"
        return Repair(strategy, False, reason)
    rerun = strategy == "rerun_failed_jobs"
    scope = check_name if rerun else ""
    holder = state.claim_repair(repository, head_sha, scope, strategy, check_name, policy.repair_ttl_s)
    if holder is not None:
        return Repair(strategy, False, f"{strategy} was already queued for this head by check {holder!r}")
    if rerun and state.count_rerun(repository, head_sha, policy.repair_ttl_s) > policy.max_reruns:
        return Repair(strategy, False, f"TASKS_GITHUB__MAX_RERUNS ({policy.max_reruns}) reached for this head")
    return Repair(strategy, True, f"{strategy} queued")
