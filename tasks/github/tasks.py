"""The pull-request tasks: thin wrappers that validate, call monitor, fixes and event_routes, queue follow-ups."""

from __future__ import annotations

from typing import Any

from celery import Task
from pydantic import ValidationError
from redis.exceptions import LockError

from tasks.core.task import NoParams, PlatformTask, platform_task
from tasks.errors import InvalidArguments
from tasks.github import event_routes, fixes, fixtargets, monitor, patchscope, repairs, state, toolfix, tools
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
    return checked.as_result()


@platform_task(name="pr.analyze_check_failure", params=CheckRunParams, retry_on=(LockError,), bind=True)
def analyze_check_failure(task: PlatformTask, params: CheckRunParams) -> dict[str, Any]:
    """Classify a failed check run, refresh the pull request's summary comment, queue its repair when allowed."""
    settings = task.settings.github
    analysed = monitor.analyse_check_run(get_client(settings), params.repository, params.check_run_id)
    result = {k: v for k, v in analysed.analysis.items() if k != "tool"}
    result["repair"] = _repair(settings, params.repository, analysed).as_dict()
    return result


def _repair(settings: GitHubSettings, repository: str, analysed: monitor.Analysed) -> repairs.Repair:
    if not analysed.numbers:
        return repairs.Repair(repairs.strategy_for(analysed.analysis), False, "the check run has no open pull request")
    policy = repairs.Policy(settings.auto_fix, settings.auto_fix_min_confidence, settings.max_reruns)
    repair = repairs.decide(policy, repository, analysed.head_sha, analysed.name, analysed.analysis)
    if repair.queued:
        # One pull request suffices: every strategy acts on the head commit they share.
        apply_fix.delay(
            repository=repository,
            number=analysed.numbers[0],
            strategy=repair.strategy,
            expected_head_sha=analysed.head_sha,
        )
    return repair


@platform_task(name="pr.apply_fix", params=FixParams, bind=True)
def apply_fix(task: PlatformTask, params: FixParams) -> dict[str, Any]:
    """Re-run failed jobs, format, lint-fix or commit a patch, only when TASKS_GITHUB__AUTO_FIX is on."""
    settings = task.settings.github
    if not settings.auto_fix:
        return fixes.FixResult(False, "TASKS_GITHUB__AUTO_FIX is off: nothing was sent to GitHub").as_dict()
    client = get_client(settings)
    if params.strategy == "rerun_failed_jobs":
        return fixes.rerun_failed_jobs(client, params.repository, params.number).as_dict()
    assert params.expected_head_sha is not None
    if params.strategy == "patch":
        assert params.patch is not None
        result = fixes.apply_patch(client, params.repository, params.number, params.patch, params.expected_head_sha)
        return result.as_dict()
    return _tool_fix(client, settings, params, params.expected_head_sha).as_dict()


def _tool_fix(client: GitHubClient, settings: GitHubSettings, params: FixParams, head_sha: str) -> fixes.FixResult:
    files = params.files
    formatter: str | None = params.formatter
    if files is None:
        targets = fixtargets.from_analyses(
            state.load_analyses(params.repository, params.number), head_sha, params.strategy
        )
        if not targets.files:
            reason = f"no files given, and no analysed failure of head {head_sha[:12]} names any for {params.strategy}"
            return fixes.FixResult(False, reason)
        refused = patchscope.files_refusal(targets.files, settings.fix_deny_paths, settings.fix_tool_max_files)
        if refused:
            return fixes.FixResult(False, f"the files the analysis names: {refused}")
        files, formatter = targets.files, formatter or targets.formatter
    tool = tools.RUFF_CHECK if params.strategy == "lint_fix" else tools.FORMATTERS[formatter or "ruff"]
    limits = toolfix.Limits(settings.fix_tool_max_file_bytes, settings.fix_tool_timeout_s)
    return toolfix.apply_tool(client, params.repository, params.number, params.strategy, tool, files, head_sha, limits)


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
