"""The platform's one settings root: `TASKS_*` environment variables and `.env`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Final, Generic, Literal, TypeVar
from urllib.parse import unquote

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    AnyUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tasks.redaction import MASK, SECRET_KEY, redact_url
from tasks.schedules.cron import check_expression

#: Repository names as GitHub spells them: `owner/name`; never `.` or `..` (GitHub refuses them, and
#: in a URL path they would step out of the repository).
_NAME_CHAR, _NOT_DOT = "[A-Za-z0-9._-]", "[A-Za-z0-9_-]"
#: 1 to 100 characters; by how many dots it starts (pydantic's regex engine has no look-ahead).
_NAME = "|".join(
    (
        f"{_NOT_DOT}{_NAME_CHAR}{{0,99}}",
        rf"\.{_NOT_DOT}{_NAME_CHAR}{{0,98}}",
        rf"\.\.{_NOT_DOT}{_NAME_CHAR}{{0,97}}",
        rf"\.\.\.{_NAME_CHAR}{{0,97}}",
    )
)
REPOSITORY_PATTERN = rf"^[A-Za-z0-9](?:[A-Za-z0-9-]{{0,38}})/(?:{_NAME})$"

#: Environments that may prefix DynamoDB table names.
Environment = Literal["dev", "test", "staging", "prod"]


def split_list(value: Any) -> Any:
    """A list from an environment value: a JSON list, or comma-separated words."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


#: A list of strings read from one variable, comma-separated or as a JSON list.
StringList = Annotated[list[str], NoDecode, BeforeValidator(split_list)]


def _user_password(value: SecretStr | None) -> SecretStr | None:
    if value is not None and ":" not in value.get_secret_value():
        raise ValueError("expected user:password")
    return value


#: Checks an HTTP basic auth setting (Flower's, the console's) is `user:password`.
USER_PASSWORD = AfterValidator(_user_password)

#: Marks a URL setting whose whole value is a credential (a Slack webhook URL is one).
WHOLE_URL_SECRET: Final = "whole-url-secret"


def is_whole_secret(model: BaseModel, name: str) -> bool:
    return WHOLE_URL_SECRET in type(model).model_fields[name].metadata


def url_secrets(url: AnyUrl) -> list[str]:
    """The user-info of a URL: `user:password` and the password, or a lone user name (a token)."""
    found: list[str] = []
    if url.password:
        found += [f"{url.username or ''}:{url.password}", url.password, unquote(url.password)]
    elif url.username:
        found += [url.username, unquote(url.username)]
    return found


def whole_url_secrets(url: AnyUrl) -> list[str]:
    """A secret URL as pydantic spells it, as typed, and its path (the credential of a Slack URL)."""
    text = str(url)
    found = [text, text.rstrip("/")]
    if url.path and url.path != "/":
        found.append(url.path + (f"?{url.query}" if url.query else ""))
        found.append(url.path)
    return found


class SafeRepr(BaseModel):
    """A repr without credentials: URLs lose their user-info and query, secret URLs are masked."""

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name is not None and isinstance(value, AnyUrl):
                yield name, MASK if is_whole_secret(self, name) else redact_url(str(value))
            else:
                yield name, value


class Section(SafeRepr):
    """A nested group of settings; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SentinelKwargs(Section):
    """How to reach the sentinels themselves (not the master): `sentinel_kwargs` of redis-py."""

    #: The sentinels' own password (`requirepass` in sentinel mode); the master's is in the URL.
    password: SecretStr | None = None
    username: str | None = None
    socket_timeout: PositiveFloat | None = None
    socket_connect_timeout: PositiveFloat | None = None
    ssl: bool | None = None

    def to_options(self) -> dict[str, Any]:
        options = self.model_dump(exclude_none=True)
        if self.password is not None:
            options["password"] = self.password.get_secret_value()
        return options


def parse_json_object(value: Any) -> Any:
    """An object from an environment value holding JSON; the error never quotes the value."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise ValueError(f"not valid JSON ({type(error).__name__} at char {getattr(error, 'pos', '?')})") from None
    if not isinstance(value, dict | BaseModel):
        raise ValueError("expected a JSON object")
    return value


def secret_named_keys(value: Any, path: str = "") -> list[str]:
    """Dotted paths of the secret-named keys (password, token, ...) anywhere in `value`."""
    found: list[str] = []
    if isinstance(value, dict):
        for name, item in value.items():
            where = f"{path}{name}"
            if SECRET_KEY.search(str(name)):
                found.append(where)
            found += secret_named_keys(item, where + ".")
    elif isinstance(value, list):
        for item in value:
            found += secret_named_keys(item, path)
    return found


class TransportOptions(SafeRepr):
    """Options merged into Celery's transport options: the known ones typed, others as plain JSON.

    A secret goes only where it is typed as one (`sentinel_kwargs.password`), so it is masked
    wherever settings are printed; any other secret-named key is refused.
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)

    #: Sentinel: the monitored master's name, how many other sentinels must agree, how to reach them.
    master_name: str | None = Field(default=None, min_length=1)
    min_other_sentinels: NonNegativeInt | None = None
    sentinel_kwargs: SentinelKwargs | None = None
    #: Redis transports.
    visibility_timeout: PositiveInt | None = None
    socket_timeout: PositiveFloat | None = None
    socket_connect_timeout: PositiveFloat | None = None
    socket_keepalive: bool | None = None
    retry_on_timeout: bool | None = None
    max_connections: PositiveInt | None = None
    health_check_interval: NonNegativeInt | None = None
    polling_interval: PositiveFloat | None = None
    global_keyprefix: str | None = None
    #: AMQP.
    confirm_publish: bool | None = None

    @model_validator(mode="after")
    def _refuse_loose_secrets(self) -> TransportOptions:
        loose = secret_named_keys(self.__pydantic_extra__ or {})
        if loose:
            raise ValueError(
                f"{', '.join(loose)}: a secret is taken only as sentinel_kwargs.password "
                "(the broker's own credentials belong in its URL)"
            )
        return self

    def to_options(self) -> dict[str, Any]:
        """The options as Celery takes them, secrets revealed."""
        options: dict[str, Any] = dict(self.__pydantic_extra__ or {})
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SentinelKwargs):
                options[name] = value.to_options()
            elif value is not None:
                options[name] = value
        return options


#: A transport options setting: a JSON object in one variable.
TransportOptionsSetting = Annotated[TransportOptions, NoDecode, BeforeValidator(parse_json_object)]


class RedisSentinelSettings(Section):
    """The Sentinel set in front of the platform's Redis, for `TASKS_REDIS_URL=sentinel://...`.

    The same two values are the default `master_name` and `sentinel_kwargs.password` of
    `sentinel://` brokers and result backends.
    """

    master_name: str | None = Field(default=None, min_length=1)
    #: The sentinels' own password (`requirepass` in sentinel mode); the master's is in the URL.
    password: SecretStr | None = None

    def kwargs(self) -> SentinelKwargs:
        return SentinelKwargs(password=self.password)


class UploadSettings(Section):
    #: The only local folder `file://` and bare-path sources may read from.
    storage_root: Path = Path("./var/uploads")
    #: `sentence-transformers` (needs the `embeddings` extra), `openai` (any OpenAI-compatible
    #: `/v1/embeddings`) or `hashing` (dependency-free, not semantic).
    embedder: Literal["sentence-transformers", "openai", "hashing"] = "sentence-transformers"
    #: Model name or local path for the embedder.
    embedding_model: str = "all-MiniLM-L6-v2"
    #: The `/v1` root of an OpenAI-compatible embeddings server (for `openai`).
    embedding_url: AnyHttpUrl | None = None
    #: API key of that server.
    embedding_api_key: SecretStr | None = None
    #: Texts per encode batch or request; 16 keeps a CPU worker's activations (and peak RSS) small.
    embedding_batch_size: PositiveInt = 16
    #: Torch threads per worker process for sentence-transformers; unset: torch's default (all cores).
    embedding_threads: PositiveInt | None = None
    #: A Chroma server for the vectors; unset: an embedded store in `data_dir/chroma` (one host only).
    chroma_url: AnyHttpUrl | None = None
    #: A token the Chroma server (or the proxy in front of it) wants, sent in `chroma_token_header`:
    #: `Authorization` as `Bearer <token>`, `X-Chroma-Token` as is.
    chroma_token: SecretStr | None = None
    chroma_token_header: Literal["Authorization", "X-Chroma-Token"] = "Authorization"
    #: Where on the server the collections live; both must exist (Chroma's admin API creates them).
    chroma_tenant: str = Field(default="default_tenant", min_length=3)
    chroma_database: str = Field(default="default_database", min_length=3)
    #: The lexical (BM25) indexes, one SQLite file per collection; unset: `data_dir/lexical`. Every
    #: worker and searcher must open the same files (one host, or a filesystem they share).
    lexical_index_dir: Path | None = None
    #: Hard limit on one document's size.
    max_file_bytes: PositiveInt = 50 * 1024 * 1024
    #: Pages read at most from one PDF or DOCX; more are ignored and counted.
    max_pages: PositiveInt = 2000
    #: Buckets that `s3://` sources may read (comma-separated or a JSON list); empty refuses `s3://`.
    s3_buckets: StringList = Field(default_factory=list)
    #: `documents upload` puts local files here (under `staging_prefix`) and submits the `s3://`
    #: source, for workers on other hosts; unset: files are copied under `storage_root`.
    staging_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    #: Key prefix of the staged files in `staging_bucket` (ends with `/`, or empty).
    staging_prefix: str = Field(default="staging/", pattern=r"^([^/][^\x00]*/)?$")
    #: Bytes a DOCX archive may unpack to in all.
    max_unpacked_bytes: PositiveInt = 256 * 1024 * 1024
    #: Bytes one DOCX member or one PDF stream may unpack to.
    max_unpacked_member_bytes: PositiveInt = 64 * 1024 * 1024
    #: Members of a DOCX archive.
    max_archive_members: PositiveInt = 2000
    #: Unpacked / packed size of one archive member over 1 MiB unpacked.
    max_compression_ratio: PositiveInt = 200
    #: Chunks of one document, estimated before chunking and counted before embedding.
    max_chunks_per_document: PositiveInt = 20_000
    #: `num_questions` times the chunk count: chat requests' questions for one document.
    max_questions_per_document: PositiveInt = 2000
    #: OpenAI-compatible chat endpoint that writes `num_questions` questions.
    chat_url: AnyHttpUrl | None = None
    #: Model name sent to that endpoint.
    chat_model: str | None = None
    #: API key of that endpoint.
    chat_api_key: SecretStr | None = None
    #: A document `processing` longer than this is stale (maintenance recovers it); past the
    #: uploads queue's hard time limit, so no live run is ever taken for stale.
    stale_after_s: PositiveInt = 4200
    #: How many times maintenance requeues a stale document before failing it.
    max_recoveries: NonNegativeInt = 2
    #: How long a document's count of recoveries is kept after its last recovery.
    recovery_count_ttl_s: PositiveInt = 7 * 86_400

    @model_validator(mode="after")
    def _check_staging(self) -> UploadSettings:
        if self.staging_bucket is not None and self.staging_bucket not in self.s3_buckets:
            raise ValueError(
                "TASKS_UPLOAD__STAGING_BUCKET must be one of TASKS_UPLOAD__S3_BUCKETS (workers read it from there)"
            )
        return self


class GitHubSettings(Section):
    #: GitHub REST API root; for GitHub Enterprise e.g. `https://ghe.example.com/api/v3`.
    api_url: AnyHttpUrl = AnyHttpUrl("https://api.github.com")
    #: Token for the API (or use the App settings below).
    token: SecretStr | None = None
    #: GitHub App id, with its private key and installation id, instead of a token.
    app_id: PositiveInt | None = None
    #: The App's PEM private key.
    app_private_key: SecretStr | None = None
    #: The App's installation on the monitored repositories.
    app_installation_id: PositiveInt | None = None
    #: Repositories to monitor, `owner/name`, comma-separated or a JSON list.
    repositories: StringList = Field(default_factory=list)
    #: Secret that signs webhook deliveries (`X-Hub-Signature-256`).
    webhook_secret: SecretStr | None = None
    #: Allow `pr.apply_fix` to change repositories, and let analyses queue it.
    auto_fix: bool = False
    #: `pr.analyze_check_failure` queues its repair only for a diagnosis at least this confident.
    auto_fix_min_confidence: float = Field(default=0.8, ge=0, le=1)
    #: The most `rerun_failed_jobs` repairs queued automatically per head commit.
    max_reruns: PositiveInt = 2
    #: The most commits the platform pushes to one pull request (counted from the trailer they carry).
    max_fix_commits: PositiveInt = 3
    #: How long a repair queued automatically is remembered: the same head, check and strategy are
    #: not repaired again meanwhile, and the re-runs of a head are counted over it.
    repair_ttl_s: PositiveInt = 7 * 86_400
    #: `true` commits a model's patch (`patch_from_model`); `false` posts it in the summary comment.
    auto_fix_patches: bool = False
    #: An OpenAI-compatible chat endpoint (the server root, its `/v1`, or the full `/v1/chat/completions`)
    #: that writes `patch_from_model` patches; none: the strategy is not offered.
    fix_model_url: AnyHttpUrl | None = None
    #: Model name sent to `fix_model_url`.
    fix_model: str = "default"
    #: API key of `fix_model_url`, sent only as `Authorization: Bearer`.
    fix_model_api_key: SecretStr | None = None
    #: Bound on the files' text sent to the model with the diagnosis.
    fix_model_max_context_bytes: PositiveInt = 64 * 1024
    #: The largest patch taken from the model.
    fix_model_max_patch_bytes: PositiveInt = 32 * 1024
    #: Bound on one request to the model.
    fix_model_timeout_s: PositiveFloat = 120.0
    #: Bound on one GitHub API request.
    request_timeout_s: PositiveFloat = 10.0
    #: A job log longer than this is not downloaded (only its last 2 MiB would be classified).
    log_max_download_bytes: PositiveInt = 64 * 1024 * 1024
    #: Bound on downloading one job log, however slowly it arrives.
    log_download_timeout_s: PositiveFloat = 60.0
    #: Paths `pr.apply_fix` never writes (gitignore patterns, matched case-insensitively): what
    #: runs with the repository's secrets or decides who reviews, and lock files (resolved by tools).
    fix_deny_paths: StringList = Field(
        default_factory=lambda: [
            ".github/workflows/",
            ".github/actions/",
            "CODEOWNERS",
            ".gitmodules",
            "*.lock",
            "package-lock.json",
            "npm-shrinkwrap.json",
            "pnpm-lock.yaml",
            "go.sum",
        ]
    )
    #: The largest patch `pr.apply_fix` takes.
    fix_max_patch_bytes: PositiveInt = 1024 * 1024
    #: The most files one `format` or `lint_fix` fix reads and rewrites.
    fix_tool_max_files: PositiveInt = 50
    #: The largest file (source or configuration) a `format` or `lint_fix` fix reads from the head commit.
    fix_tool_max_file_bytes: PositiveInt = 512 * 1024
    #: Bound on each formatter or linter run of a `format` or `lint_fix` fix.
    fix_tool_timeout_s: PositiveFloat = 60.0
    #: The largest webhook body read (GitHub sends at most 25 MB); larger ones are answered 413.
    webhook_max_body_bytes: PositiveInt = 25 * 1024 * 1024
    #: How long a delivery id and a signed body's hash are remembered, so neither is handled twice.
    webhook_dedupe_ttl_s: PositiveInt = 7 * 86_400

    @field_validator("repositories")
    @classmethod
    def _check_repositories(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.match(REPOSITORY_PATTERN, name):
                raise ValueError(f"{name!r} is not an owner/name repository")
        return value


class AwsSettings(Section):
    #: AWS region of DynamoDB (and S3).
    region: str = "us-east-1"
    #: DynamoDB endpoint (DynamoDB Local, moto); set, it also schedules `infra_ensure`.
    endpoint_url: AnyHttpUrl | None = None
    #: S3 endpoint for `s3://` sources; defaults to `endpoint_url`.
    s3_endpoint_url: AnyHttpUrl | None = None
    #: Attempts per AWS call (botocore's standard retry mode) before the task's own retry policy.
    max_attempts: PositiveInt = 5


class InfraSettings(Section):
    #: Schedule `infra_ensure` against the AWS account the credentials reach; with an endpoint URL
    #: (DynamoDB Local, moto) it is scheduled anyway. Off: a first run never creates real tables.
    enabled: bool = False
    #: Lifetime of an environment's run lock; extended while the run lives. A run that finds the
    #: lock held keeps waiting (without spending its retry budget) for at most this long.
    lock_ttl_s: PositiveInt = 1800
    #: Pause between two tries of a run waiting for a busy lock.
    lock_retry_s: PositiveFloat = 30.0
    #: Bound on waiting for a table or an index to become ACTIVE.
    wait_timeout_s: PositiveInt = 600
    #: Let `infra.delete_tables` delete the tables of `prod`.
    allow_prod_delete: bool = False
    #: Where the table specs live, `module:attribute` (a list of `tasks.infra.specs.TableSpec`).
    tables: str = Field(default="tasks.infra.tables:TABLES", pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class FlowerSettings(Section):
    #: `user:password` for Flower; required when it binds off loopback.
    basic_auth: Annotated[SecretStr | None, USER_PASSWORD] = None
    #: Interface Flower listens on.
    address: str = "127.0.0.1"
    #: Port Flower listens on.
    port: PositiveInt = 5555


class ConsoleSettings(Section):
    """The web console (`celery -A tasks console`); its basic auth is required off loopback, as Flower's."""

    #: `user:password` for the console; required when it binds off loopback.
    basic_auth: Annotated[SecretStr | None, USER_PASSWORD] = None
    #: Interface the console listens on.
    address: str = "127.0.0.1"
    #: Port the console listens on.
    port: PositiveInt = Field(default=5556, le=65_535)
    #: Every state-changing action (replay, delete, purge) is refused.
    read_only: bool = False
    #: Signs the session cookie holding the CSRF token; unset, a random key per process (sessions end on restart).
    session_secret: SecretStr | None = None


class MetricsSettings(Section):
    #: The metrics hook on or off (off only for comparison runs).
    enabled: bool = True
    #: Port of the worker's own `/metrics` (its pool and process, labelled by worker); 0 turns it off.
    port: NonNegativeInt = 9808
    #: Interface the worker's `/metrics` listens on.
    address: str = "0.0.0.0"
    #: Where `celery -A tasks metrics serve` serves the cluster-wide series (one process for the platform).
    exporter_port: PositiveInt = 9807
    exporter_address: str = "0.0.0.0"
    #: Bound on waiting for the workers' answers about the queues they consume, per scrape.
    inspect_timeout_s: PositiveFloat = 1.0
    #: How often each process writes its batched metric updates to Redis.
    flush_interval_s: PositiveFloat = 1.0
    #: A worker's stats hash is dropped this long after its last update (hostnames come and go).
    worker_stats_ttl_s: PositiveInt = 7 * 86_400


class DlqSettings(Section):
    #: The dead-letter hook on or off (off only for comparison runs).
    enabled: bool = True
    #: Dead letters kept at most; the oldest are trimmed.
    max_entries: PositiveInt = 100_000
    #: Dead letters older than this are trimmed.
    retention_days: PositiveInt = 30
    #: Deliveries of one task id that kill their worker before it is dead-lettered.
    max_deliveries: PositiveInt = 3


class RetrySettings(Section):
    #: Retries of a transient failure before the job is dead-lettered.
    max_retries: NonNegativeInt = 5
    #: First retry's delay; doubled each retry, with jitter.
    backoff_base_s: PositiveFloat = 2.0
    #: Longest delay between two retries.
    backoff_max_s: PositiveFloat = 600.0


class PublishSettings(Section):
    """How `.delay()` / `apply_async` behaves while the broker is unreachable."""

    #: Seconds of waits between publish attempts before the call raises; 0: fail at once.
    retry_for_s: NonNegativeFloat = 10.0
    #: Bound on opening one connection to the broker (a host that does not answer at all).
    connect_timeout_s: PositiveFloat = 2.0


#: Wait between two publish attempts while the broker is unreachable.
PUBLISH_RETRY_INTERVAL_S = 0.5


class WorkerSettings(Section):
    #: How long an unacknowledged Redis message may stay with a live worker; keep it above the longest
    #: hard time limit (3900 s, `uploads`).
    visibility_timeout_s: PositiveInt = 43_200
    #: How often a worker proves it is alive, and after how long it counts as dead.
    heartbeat_s: PositiveInt = 5
    #: A worker silent this long counts as dead (at least twice `heartbeat_s`).
    dead_after_s: PositiveInt = 20
    #: Longest wait of an idle worker's fetch on one queue key before it looks at all of them again (at most 5).
    fetch_wait_s: PositiveFloat = Field(default=0.25, le=5)
    #: The atomic-fetch transport for redis:// brokers (off only for comparison runs).
    atomic_fetch: bool = True
    #: Messages reserved per pool process.
    prefetch_multiplier: PositiveInt = 1
    #: A pool process is recycled after this many tasks. Pool processes keep flat memory over 20,000 tasks
    #: (tests/reliability/test_memory.py); at a thousand tasks a second, recycling every 1,000 cost the
    #: consumer 9 % of its time in forks.
    max_tasks_per_child: PositiveInt = 10_000
    #: A pool process past this resident memory is recycled after its task.
    max_memory_per_child_kb: PositiveInt = 1_500_000
    #: How long a new pool process may take to report ready before the main process kills it.
    #: A pool process only sets up logging and task tracers (the embedding model loads after
    #: the report); Celery's 4 s leaves no room for a loaded host.
    proc_alive_timeout_s: PositiveFloat = 10.0
    #: More modules of tasks to register (comma-separated or a JSON list), e.g. test-only tasks.
    extra_task_modules: StringList = Field(default_factory=list)
    #: A worker idle this long while its queues hold messages restarts its consumer; 0: off.
    consumer_watchdog_s: NonNegativeInt = 30
    #: Longest a task event waits in the worker before it is sent with the others waiting (0 to 2).
    event_flush_s: float = Field(default=0.1, ge=0, le=2)

    @model_validator(mode="after")
    def _check_liveness(self) -> WorkerSettings:
        if self.dead_after_s < 2 * self.heartbeat_s:
            raise ValueError("dead_after_s must be at least twice heartbeat_s")
        return self


class ReportsSettings(Section):
    #: A secret as a whole: an incoming-webhook URL is its own credential.
    webhook_url: Annotated[AnyHttpUrl | None, WHOLE_URL_SECRET] = None


class HealthSettings(Section):
    #: Messages waiting in one queue above which the workers check is degraded.
    queue_depth_threshold: PositiveInt = 1000
    #: Failed / finished tasks since the previous health run above which it is degraded.
    error_rate_threshold: float = Field(default=0.1, ge=0, le=1)
    #: At most one self-restart of the infrastructure per this window.
    restart_window_s: PositiveInt = 900
    #: Pool processes of one worker lost (killed or crashed) within the window: one degrades
    #: the workers check; this many with no task finished since the first is a stalled pool.
    pool_loss_window_s: PositiveInt = 300
    #: Pool processes lost within `pool_loss_window_s` that make a stalled pool.
    pool_loss_threshold: PositiveInt = 3


EntryT = TypeVar("EntryT")


class Schedule(Section, Generic[EntryT]):
    """One value per beat entry: the entries' names are these fields, here and nowhere else.

    `beat_schedule.py` fills a `Schedule[Entry]`, so mypy refuses an entry it misspells or
    leaves out; `TASKS_SCHEDULE__<ENTRY>` fills a `ScheduleSettings`.
    """

    health_check: EntryT
    pr_monitor: EntryT
    infra_ensure: EntryT
    recover_stale_documents: EntryT
    trim_dead_letters: EntryT
    daily_summary: EntryT


class ScheduleSettings(Schedule[str | None]):
    """Cron overrides per beat entry; an entry not set keeps its own, an empty value disables it."""

    @model_validator(mode="before")
    @classmethod
    def _unset_keeps_the_default(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return dict.fromkeys(cls.model_fields) | data
        return data

    @field_validator("*")
    @classmethod
    def _check_cron(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return value
        return check_expression(value)


#: Schedule entries of beat_schedule.py that `TASKS_SCHEDULE__<ENTRY>` may override.
SCHEDULE_ENTRIES: Final = tuple(Schedule.model_fields)


class Settings(SafeRepr, BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TASKS_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
        frozen=True,
    )

    #: Prefix of the DynamoDB tables' names: `{environment}-{table}`.
    environment: Environment = "dev"
    #: Redis for platform state: locks, metrics, dead letters, records, the beat schedule.
    redis_url: AnyUrl = AnyUrl("redis://localhost:6379/0")
    #: Broker: `redis://`, `rediss://`, `sentinel://`, `amqp://` or `amqps://`; unset: `redis_url`.
    broker_url: AnyUrl | None = None
    #: Result backend; `redis://` and `rediss://` go through `tasks.results`, others Celery's own; unset: `redis_url`.
    result_backend: AnyUrl | None = None
    #: Sentinel: `TASKS_REDIS_SENTINEL__MASTER_NAME`, `TASKS_REDIS_SENTINEL__PASSWORD`.
    redis_sentinel: RedisSentinelSettings = RedisSentinelSettings()
    broker_transport_options: TransportOptionsSetting = TransportOptions()
    #: RabbitMQ: the platform's queues are quorum queues (replicated; no global QoS, no priorities),
    #: countdowns and ETAs through Celery's native delayed delivery.
    broker_quorum_queues: bool = False
    result_backend_transport_options: TransportOptionsSetting = TransportOptions()
    #: Local state: embedded vector store, lexical index, Flower's database.
    data_dir: Path = Path("./var")
    #: `json` (one object per line) or `text`.
    log_format: Literal["json", "text"] = "text"
    #: Level when the command's `-l` gives none.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: Level of httpx's and httpcore's own loggers: at INFO httpx logs every request's URL.
    http_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    #: Time zone of the schedules' cron expressions.
    timezone: str = "UTC"

    upload: UploadSettings = UploadSettings()
    github: GitHubSettings = GitHubSettings()
    aws: AwsSettings = AwsSettings()
    infra: InfraSettings = InfraSettings()
    flower: FlowerSettings = FlowerSettings()
    console: ConsoleSettings = ConsoleSettings()
    metrics: MetricsSettings = MetricsSettings()
    dlq: DlqSettings = DlqSettings()
    retry: RetrySettings = RetrySettings()
    publish: PublishSettings = PublishSettings()
    worker: WorkerSettings = WorkerSettings()
    reports: ReportsSettings = ReportsSettings()
    health: HealthSettings = HealthSettings()
    schedule: ScheduleSettings = Field(default_factory=lambda: ScheduleSettings.model_validate({}))

    @field_validator("redis_url", "broker_url", "result_backend")
    @classmethod
    def _check_scheme(cls, value: AnyUrl | None) -> AnyUrl | None:
        allowed = {"redis", "rediss", "sentinel", "amqp", "amqps"}
        if value is not None and value.scheme not in allowed:
            raise ValueError(f"scheme {value.scheme!r} is not one of {sorted(allowed)}")
        return value

    @model_validator(mode="after")
    def _check_redis(self) -> Settings:
        if self.redis_url.scheme not in {"redis", "rediss", "sentinel"}:
            raise ValueError("TASKS_REDIS_URL must be a redis://, rediss:// or sentinel:// URL")
        if self.redis_url.scheme == "sentinel" and self.redis_sentinel.master_name is None:
            raise ValueError("TASKS_REDIS_URL is a sentinel:// URL: set TASKS_REDIS_SENTINEL__MASTER_NAME")
        if self.broker_quorum_queues and not self.broker.startswith(("amqp://", "amqps://")):
            raise ValueError("TASKS_BROKER_QUORUM_QUEUES needs an amqp:// or amqps:// TASKS_BROKER_URL (RabbitMQ)")
        for variable, url, options in (
            ("TASKS_BROKER_URL", self.broker, self.broker_transport_options),
            ("TASKS_RESULT_BACKEND", self.backend, self.result_backend_transport_options),
        ):
            if url.startswith("sentinel://") and options.master_name is None and not self.redis_sentinel.master_name:
                options_variable = variable.removesuffix("_URL") + "_TRANSPORT_OPTIONS"
                raise ValueError(
                    f"{variable} is a sentinel:// URL: set master_name in {options_variable} "
                    "(or TASKS_REDIS_SENTINEL__MASTER_NAME)"
                )
        return self

    @property
    def dynamodb_configured(self) -> bool:
        """DynamoDB was named explicitly: an endpoint URL, or `TASKS_INFRA__ENABLED` for real AWS."""
        return self.infra.enabled or self.aws.endpoint_url is not None

    @property
    def broker(self) -> str:
        return str(self.broker_url or self.redis_url)

    @property
    def backend(self) -> str:
        return str(self.result_backend or self.redis_url)

    def secrets(self) -> list[str]:
        """Every configured secret's value, for redaction: secret strings, secret URLs, URL user-info."""
        found: list[str] = []

        def walk(model: BaseModel) -> None:
            for name in type(model).model_fields:
                value = getattr(model, name)
                if isinstance(value, SecretStr) and value.get_secret_value():
                    found.append(value.get_secret_value())
                elif isinstance(value, AnyUrl):
                    found.extend(whole_url_secrets(value) if is_whole_secret(model, name) else url_secrets(value))
                elif isinstance(value, BaseModel):
                    walk(value)

        walk(self)
        return list(dict.fromkeys(secret for secret in found if secret))


class SettingsError(SystemExit):
    """A bad setting: a one-paragraph message naming the variable, exit status 2."""


def describe(error: ValidationError) -> str:
    """Turn a settings ValidationError into lines that name each variable."""
    lines = []
    for item in error.errors():
        path = [str(part) for part in item["loc"]]
        variable = "TASKS_" + "__".join(path).upper() if path else "TASKS_*"
        if item["type"] == "extra_forbidden" and path and path[0] == "schedule" and len(path) > 1:
            known = ", ".join(f"TASKS_SCHEDULE__{name.upper()}" for name in SCHEDULE_ENTRIES)
            lines.append(f"{variable}: unknown schedule entry; known entries: {known}")
            continue
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown setting"
        lines.append(f"{variable}: {message}")
    return "Invalid platform settings. " + "; ".join(lines) + "."


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once; a bad value exits with a clear message."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(describe(error)) from None


def settings_in(info: ValidationInfo) -> Settings:
    """The settings a task's arguments are checked against: `PlatformTask` validates with them as context."""
    if not isinstance(info.context, Settings):
        raise TypeError("task arguments validated without settings: model_validate(..., context=settings)")
    return info.context
