"""Monitoring as plain functions: list pull requests, read their checks, analyse failed runs.

They take a client and return plain data, and know nothing of Celery; the tasks
(tasks.github.tasks) queue the follow-up work they name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tasks.github import heads, state
from tasks.github.classifier import classify
from tasks.github.client import GitHubClient
from tasks.github.errors import GitHubRequestError, LogTooLarge
from tasks.github.state import PullState

#: Check-run conclusions that count as failures worth explaining.
FAILED_CONCLUSIONS = frozenset({"failure", "timed_out", "cancelled", "startup_failure"})
#: The GitHub App that runs Actions; its check runs have job logs.
ACTIONS_APP = "github-actions"


@dataclass(frozen=True)
class RepositoryScan:
    repository: str
    pulls: dict[int, PullState]
    changed: list[int]
    closed: list[int]
    not_modified: bool


def scan_repository(client: GitHubClient, repository: str) -> RepositoryScan:
    """List open pull requests (conditionally) and compare them with the remembered state."""
    pulls, not_modified = client.get_all(f"/repos/{repository}/pulls", {"state": "open"})
    current = {pull.number: pull for pull in map(PullState.from_api, pulls)}
    previous = state.load_pulls(repository)
    changed, closed = state.detect_changes(previous, current)
    return RepositoryScan(repository, state.merge(previous, current), changed, closed, not_modified)


def remember(scan: RepositoryScan) -> None:
    """Keep what a scan saw; called once its follow-up work is queued, so no change is lost."""
    if scan.changed or scan.closed:
        state.save_pulls(scan.repository, scan.pulls, scan.closed)
    for number in scan.closed:
        state.forget_pull(scan.repository, number)


@dataclass
class PullCheck:
    repository: str
    number: int
    head_sha: str
    state: str
    failed_check_runs: list[int] = field(default_factory=list)
    #: Failed runs seen here for the first time: each is analysed once.
    to_analyse: list[int] = field(default_factory=list)

    def as_result(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "number": self.number,
            "head_sha": self.head_sha,
            "state": self.state,
            "failed_check_runs": self.failed_check_runs,
        }


def check_pull_request(
    client: GitHubClient, repository: str, number: int, head_sha: str | None = None, *, force_refresh: bool = False
) -> PullCheck:
    """Read the head commit's check runs and combined status; note the failed runs.

    Without `head_sha` the head is GitHub's, confirmed with a conditional request; a SHA that vanished
    is followed to the new head (tasks.github.heads). `force_refresh` sends no request conditionally.
    """
    conditional = not force_refresh

    def read(sha: str) -> tuple[list[Any], dict[str, Any]]:
        runs, _ = client.get_all(f"/repos/{repository}/commits/{sha}/check-runs", conditional=conditional)
        combined = client.get(f"/repos/{repository}/commits/{sha}/status", conditional=conditional).data
        return runs, combined

    on_head = heads.on_current_head(client, repository, number, read, head_sha=head_sha, conditional=conditional)
    head_sha = on_head.sha
    runs, combined = on_head.value
    failed = sorted(int(run["id"]) for run in runs if run.get("conclusion") in FAILED_CONCLUSIONS)
    pending = any(run.get("status") != "completed" for run in runs)
    status_state = str(combined.get("state", "success")) if combined.get("statuses") else "success"
    if failed or status_state in {"failure", "error"}:
        overall = "failure"
    elif pending or status_state == "pending":
        overall = "pending"
    else:
        overall = "success"
    _remember_check(repository, number, on_head.pull, head_sha, overall)
    to_analyse = [run_id for run_id in failed if state.claim_check_run(repository, run_id)]
    return PullCheck(repository, number, head_sha, overall, failed, to_analyse)


def _remember_check(repository: str, number: int, current: PullState | None, head_sha: str, overall: str) -> None:
    """Note what was checked on the remembered pull request, which takes the head GitHub confirmed."""
    known = state.load_pull(repository, number)
    if current is not None and current.head_sha == head_sha:
        base = current
    elif known is not None and known.head_sha == head_sha:
        base = known
    else:
        # A head given by the caller and not the remembered one: which of the two is newer is unknown.
        return
    state.save_pull(repository, base.model_copy(update={"checked_sha": head_sha, "checked_state": overall}))


def fetch_failure_text(client: GitHubClient, repository: str, run: dict[str, Any]) -> str:
    """The job log of an Actions check run; the check run's own output for any other app."""
    app = (run.get("app") or {}).get("slug")
    note = ""
    if app == ACTIONS_APP:
        try:
            return client.get_text(f"/repos/{repository}/actions/jobs/{run['id']}/logs")
        except GitHubRequestError as error:
            # Logs expire (410) or are hidden from the token (403/404): the output text still helps.
            if error.status not in {403, 404, 410}:
                raise
        except LogTooLarge as error:
            note = f"\nThe job log was not read: {error}."
    output = run.get("output") or {}
    return "\n".join(str(output.get(part) or "") for part in ("title", "summary", "text")) + note


@dataclass(frozen=True)
class Analysed:
    """A classified check run (`analysis` keeps the classifier's `tool`) and the pull requests it belongs to."""

    analysis: dict[str, Any]
    name: str
    head_sha: str
    numbers: list[int]


def analyse_check_run(client: GitHubClient, repository: str, check_run_id: int) -> Analysed:
    """Classify one failed check run and keep the analysis for each of its pull requests."""
    run = client.get(f"/repos/{repository}/check-runs/{check_run_id}").data
    result = classify(fetch_failure_text(client, repository, run)).as_dict()
    head_sha = str(run.get("head_sha", ""))
    name = str(run.get("name", check_run_id))
    record = {**result, "name": name, "head_sha": head_sha}
    numbers = _pull_numbers(repository, run, head_sha)
    for number in numbers:
        state.save_analysis(repository, number, check_run_id, record)
    return Analysed(result, name, head_sha, numbers)


def _pull_numbers(repository: str, run: dict[str, Any], head_sha: str) -> list[int]:
    numbers = [int(pull["number"]) for pull in run.get("pull_requests") or []]
    if numbers:
        return numbers
    # Check runs of pull requests from forks list no pull request; the monitor's state knows the head.
    return [pull.number for pull in state.load_pulls(repository).values() if pull.head_sha == head_sha]
