"""The pull-request tasks: thin wrappers that validate, call monitor, fixes and event_routes, queue follow-ups."""

from __future__ import annotations

from typing import Any

from celery import Task
from pydantic import ValidationError
from redis.exceptions import LockError

from tasks.core.task import NoParams, PlatformTask, platform_task
from tasks.errors import InvalidArguments
from tasks.github import (
    comments,
    event_routes,
    fixes,
    fixtargets,
    history,
    modelfix,
    monitor,
    patchscope,
    repairs,
    state,
    toolfix,
    tools,
)
from tasks.github.auth import credentials_from
from tasks.github.client import GitHubClient, get_client
from tasks.github.params import CheckPullParams, CheckRunParams, FixParams, RepositoryParams, WebhookParams
from tasks.settings import GitHubSettings


@platform_task(name="pr.monitor_all", bind=True)
def monitor_all(task: PlatformTask, _: NoParams) -> dict[str, Any]:
    """Queue one `pr.monitor_repository` per configured repository."""
    settings = task.settings.github
    if settings.repositories:
        credentials_from(settings)
    for repository in settings.repositories:
        monitor_repository.delay(repository=repository)
    return {"repositories": list(settings.repositories), "queued": len(settings.repositories)}


@platform_task(name="pr.monitor_repository", params=RepositoryParams, bind=True)
def monitor_repository(task: PlatformTask, params: RepositoryParams) -> dict[str, Any]:
    """List open pull requests; queue `pr.check_pull_request` for each new or changed one."""
    scan = monitor.scan_repository(get_client(task.settings.github), params.repository)
    for number in scan.changed:
        check_pull_request.delay(repository=params.repository, number=number, head_sha=scan.pulls[number].head_sha)
    monitor.remember(scan)
    return {"repository": params.repository, "open": len(scan.pulls), "changed": scan.changed}


@platform_task(name="pr.check_pull_request", params=CheckPullParams, bind=True)
def check_pull_request(task: PlatformTask, params: CheckPullParams) -> dict[str, Any]:
    """Read the head's check runs; queue `pr.analyze_check_failure` for each failed run not seen before."""
    client = get_client(task.settings.github)
    checked = monitor.check_pull_request(
        client, params.repository, params.number, params.head_sha, force_refresh=params.force_refresh
    )
    for check_run_id in checked.to_analyse:
        analyze_check_failure.delay(repository=params.repository, check_run_id=check_run_id)
    if checked.state == "success" and comments.has_comment(params.repository, params.number):
        # The comment said what failed and what was repaired: it now says the checks passed.
        comments.refresh(client, params.repository, params.number, checked.head_sha, checked.state)
    return checked.as_result()


@platform_task(name="pr.analyze_check_failure", params=CheckRunParams, retry_on=(LockError,), bind=True)
def analyze_check_failure(task: PlatformTask, params: CheckRunParams) -> dict[str, Any]:
    """Classify a failed check run, queue its repair when allowed, refresh the pull request's summary comment."""
    settings = task.settings.github
    client = get_client(settings)
    analysed = monitor.analyse_check_run(client, params.repository, params.check_run_id)
    repair = _repair(settings, params.repository, analysed)
    for number in analysed.numbers:
        outcome: history.Outcome = "queued" if repair.queued else "not_queued"
        event = history.Event(analysed.head_sha, repair.strategy, outcome, repair.reason, check=analysed.name)
        history.record(params.repository, number, event)
        comments.refresh(client, params.repository, number, analysed.head_sha, "failure")
    result = {k: v for k, v in analysed.analysis.items() if k != "tool"}
    result["repair"] = repair.as_dict()
    return result


def _repair(settings: GitHubSettings, repository: str, analysed: monitor.Analysed) -> repairs.Repair:
    model = modelfix.ModelConfig.from_settings(settings) is not None
    if not analysed.numbers:
        strategy = repairs.strategy_for(analysed.analysis, model)
        return repairs.Repair(strategy, False, "the check run has no open pull request")
    policy = repairs.Policy(
        settings.auto_fix,
        settings.auto_fix_min_confidence,
        settings.max_reruns,
        settings.repair_ttl_s,
        model,
        frozenset(settings.repositories),
    )
    made_by = _made_by(repository, analysed.numbers[0], analysed.head_sha)
    repair = repairs.decide(policy, repository, analysed.head_sha, analysed.name, analysed.analysis, made_by)
    if repair.queued:
        # One pull request suffices: every strategy acts on the head commit they share.
        apply_fix.delay(
            repository=repository,
            number=analysed.numbers[0],
            strategy=repair.strategy,
            expected_head_sha=analysed.head_sha,
        )
    return repair


def _made_by(repository: str, number: int, head_sha: str) -> str | None:
    """The strategy of the platform's commit that the head is, if it is one."""
    pushed = history.pushed_as(history.load(repository, number), head_sha)
    return pushed.strategy if pushed is not None else None


@platform_task(name="pr.apply_fix", params=FixParams, bind=True)
def apply_fix(task: PlatformTask, params: FixParams) -> dict[str, Any]:
    """Re-run failed jobs, format, lint-fix or commit a patch (the caller's or a model's); TASKS_GITHUB__AUTO_FIX on.

    Each outcome is added to the pull request's fix history and shown in its summary comment.
    """
    settings = task.settings.github
    if not settings.auto_fix:
        return fixes.FixResult(False, "TASKS_GITHUB__AUTO_FIX is off: nothing was sent to GitHub").as_dict()
    client = get_client(settings)
    result = _fix(client, settings, params)
    head_sha = result.head_sha or params.expected_head_sha or ""
    history.record(params.repository, params.number, _outcome(params.strategy, head_sha, result))
    # A refusal is news only where the platform already speaks; what it did is always said.
    said = result.applied or result.suggestion is not None or comments.has_comment(params.repository, params.number)
    if head_sha and said:
        comments.refresh(client, params.repository, params.number, head_sha, "failure")
    return result.as_dict()


def _fix(client: GitHubClient, settings: GitHubSettings, params: FixParams) -> fixes.FixResult:
    if params.strategy == "rerun_failed_jobs":
        return fixes.rerun_failed_jobs(client, params.repository, params.number, params.expected_head_sha)
    assert params.expected_head_sha is not None
    target = fixes.Target(
        params.repository, params.number, params.expected_head_sha, params.strategy, settings.max_fix_commits
    )
    if params.strategy == "patch":
        assert params.patch is not None
        return fixes.apply_patch(client, target, params.patch)
    if params.strategy == "patch_from_model":
        config = modelfix.ModelConfig.from_settings(settings)
        if config is None:
            return fixes.FixResult(False, "TASKS_GITHUB__FIX_MODEL_URL is not set: patch_from_model is not offered")
        failures = [
            a
            for a in state.load_analyses(params.repository, params.number)
            if a.get("head_sha") == params.expected_head_sha and a.get("category") in repairs.MODEL_CATEGORIES
        ]
        return modelfix.apply_model_patch(client, target, config, failures)
    return _tool_fix(client, settings, params, target)


def _outcome(strategy: str, head_sha: str, result: fixes.FixResult) -> history.Event:
    outcome: history.Outcome
    if result.suggestion is not None:
        outcome = "suggested"
    elif not result.applied:
        outcome = "refused"
    else:
        outcome = "pushed" if result.commit_sha else "rerun"
    return history.Event(
        head_sha, strategy, outcome, result.reason, commit_sha=result.commit_sha, suggestion=result.suggestion
    )


def _tool_fix(
    client: GitHubClient, settings: GitHubSettings, params: FixParams, target: fixes.Target
) -> fixes.FixResult:
    files = params.files
    formatter: str | None = params.formatter
    if files is None:
        targets = fixtargets.from_analyses(
            state.load_analyses(params.repository, params.number), target.expected_head_sha, params.strategy
        )
        if not targets.files:
            reason = (
                f"no files given, and no analysed failure of head {target.expected_head_sha[:12]} "
                f"names any for {params.strategy}"
            )
            return fixes.FixResult(False, reason)
        refused = patchscope.files_refusal(targets.files, settings.fix_deny_paths, settings.fix_tool_max_files)
        if refused:
            return fixes.FixResult(False, f"the files the analysis names: {refused}")
        files, formatter = targets.files, formatter or targets.formatter
    tool = tools.RUFF_CHECK if params.strategy == "lint_fix" else tools.FORMATTERS[formatter or "ruff"]
    limits = toolfix.Limits(settings.fix_tool_max_file_bytes, settings.fix_tool_timeout_s)
    return toolfix.apply_tool(client, target, tool, files, limits)


FOLLOW_UPS: dict[str, Task] = {
    event_routes.CHECK_PULL_REQUEST: check_pull_request,
    event_routes.ANALYZE_CHECK_FAILURE: analyze_check_failure,
}


@platform_task(name="pr.handle_webhook", params=WebhookParams, bind=True)
def handle_webhook(task: PlatformTask, params: WebhookParams) -> dict[str, Any]:
    """Route a GitHub event to the tasks above; each delivery is handled once."""
    try:
        parsed = event_routes.parse(params.event, params.payload)
    except ValidationError as error:
        raise InvalidArguments.from_validation(task.name, error, within="payload") from None
    if parsed is None:
        return {"handled": False, "queued": [], "reason": f"event {params.event!r} is not handled"}
    if not state.claim_delivery(params.delivery_id, task.settings.github.webhook_dedupe_ttl_s):
        return {"handled": False, "queued": [], "reason": f"delivery {params.delivery_id} was already handled"}
    try:
        routed = event_routes.route(parsed)
        for name, kwargs in routed.follow_up:
            FOLLOW_UPS[name].delay(**kwargs)
    except BaseException:
        # The delivery was not fully handled: its retry (or GitHub's redelivery) must not be taken for a duplicate.
        state.release_delivery(params.delivery_id)
        if params.body_sha256 is not None:
            state.release_body(params.body_sha256)
        raise
    return {"handled": routed.handled, "queued": [name for name, _ in routed.follow_up], "reason": routed.reason}
