"""Keyword arguments of the pull-request tasks and the webhook payloads they read, as pydantic models."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tasks.github import patchscope
from tasks.settings import REPOSITORY_PATTERN, settings_in

Repository = Annotated[str, StringConstraints(pattern=REPOSITORY_PATTERN)]
Sha = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}$")]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RepositoryParams(Params):
    repository: Repository


class PullParams(RepositoryParams):
    number: PositiveInt


class CheckPullParams(PullParams):
    #: The head commit to check, when the caller knows it (the monitor and webhooks do).
    head_sha: Sha | None = None
    #: Skip every cache for this call: no ETag is sent and the head is read from GitHub.
    force_refresh: bool = False


class CheckRunParams(RepositoryParams):
    check_run_id: PositiveInt


#: Strategies that commit: each needs `expected_head_sha`.
COMMITTING = frozenset({"format", "lint_fix", "patch", "patch_from_model"})
#: Strategies that run a tool over `files`.
TOOL_STRATEGIES = frozenset({"format", "lint_fix"})


class FixParams(PullParams):
    strategy: Literal["rerun_failed_jobs", "format", "lint_fix", "patch", "patch_from_model"]
    patch: str | None = None
    expected_head_sha: Sha | None = None
    #: The files `format` and `lint_fix` rewrite (paths relative to the repository's root); by default
    #: those the head's analysed failures of ruff or black reported.
    files: list[str] | None = None
    #: The formatter `format` runs; by default the one the head's analysed failure ran, else ruff.
    formatter: Literal["ruff", "black"] | None = None

    @field_validator("repository")
    @classmethod
    def _check_configured(cls, value: str, info: ValidationInfo) -> str:
        if value not in settings_in(info).github.repositories:
            raise ValueError(f"{value!r} is not in TASKS_GITHUB__REPOSITORIES: fixes go only to those")
        return value

    @field_validator("patch")
    @classmethod
    def _check_size(cls, value: str | None, info: ValidationInfo) -> str | None:
        limit = settings_in(info).github.fix_max_patch_bytes
        # Checked before parsing, so an oversized patch costs no parse.
        if value is not None and len(value.encode("utf-8", errors="replace")) > limit:
            raise ValueError(f"larger than TASKS_GITHUB__FIX_MAX_PATCH_BYTES ({limit} bytes)")
        return value

    @field_validator("files")
    @classmethod
    def _check_files(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return None
        github = settings_in(info).github
        files = list(dict.fromkeys(value))
        refused = patchscope.files_refusal(files, github.fix_deny_paths, github.fix_tool_max_files)
        if refused:
            raise ValueError(refused)
        return files

    @model_validator(mode="after")
    def _check_strategy(self, info: ValidationInfo) -> FixParams:
        if self.strategy != "patch" and self.patch is not None:
            raise ValueError("patch is only taken with strategy 'patch'")
        if self.strategy not in TOOL_STRATEGIES and self.files is not None:
            raise ValueError("files are only taken with strategies 'format' and 'lint_fix'")
        if self.strategy != "format" and self.formatter is not None:
            raise ValueError("formatter is only taken with strategy 'format'")
        if self.strategy in COMMITTING and self.expected_head_sha is None:
            raise ValueError(f"expected_head_sha is required with strategy {self.strategy!r}")
        if self.strategy == "patch":
            self._check_patch(settings_in(info).github.fix_deny_paths)
        return self

    def _check_patch(self, deny: list[str]) -> None:
        files = patchscope.parse_unified_diff(self.patch or "")
        if files is None:
            raise ValueError("patch must be a unified diff of at least one file")
        refused = [reason for path in patchscope.paths(files) if (reason := patchscope.refusal(path, deny))]
        if refused:
            raise ValueError("patch may not touch " + "; ".join(refused))


class WebhookParams(Params):
    event: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,64}$")]
    delivery_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    payload: dict[str, Any]
    #: SHA-256 of the signed body, claimed by the webhook app; released if handling fails.
    body_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None


class Payload(BaseModel):
    """A webhook payload: only the fields read are checked; GitHub's others are kept out."""

    model_config = ConfigDict(extra="ignore")


class RepositoryRef(Payload):
    full_name: Repository


class Head(Payload):
    sha: Sha
    ref: str = ""


class PullRef(Payload):
    number: PositiveInt


class PullRequest(PullRef):
    head: Head
    updated_at: str = ""


class PullRequestEvent(Payload):
    action: str
    repository: RepositoryRef
    pull_request: PullRequest


class CheckRun(Payload):
    id: PositiveInt
    head_sha: Sha
    conclusion: str | None = None
    pull_requests: list[PullRef] = Field(default_factory=list)


class CheckRunEvent(Payload):
    action: str
    repository: RepositoryRef
    check_run: CheckRun


class CheckSuite(Payload):
    head_sha: Sha
    conclusion: str | None = None
    pull_requests: list[PullRef] = Field(default_factory=list)


class CheckSuiteEvent(Payload):
    action: str
    repository: RepositoryRef
    check_suite: CheckSuite


#: The events `pr.handle_webhook` handles, and the shape it requires of each.
EVENTS: dict[str, type[Payload]] = {
    "pull_request": PullRequestEvent,
    "check_run": CheckRunEvent,
    "check_suite": CheckSuiteEvent,
}
