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
    storage_root: Path = Path("./var/uploads")
    embedder: Literal["sentence-transformers", "openai", "hashing"] = "sentence-transformers"
    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_url: AnyHttpUrl | None = None
    embedding_api_key: SecretStr | None = None
    #: Texts per encode batch or request; 16 keeps a CPU worker's activations (and peak RSS) small.
    embedding_batch_size: PositiveInt = 16
    #: Torch threads per worker process for sentence-transformers; unset: torch's default (all cores).
    embedding_threads: PositiveInt | None = None
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
    max_file_bytes: PositiveInt = 50 * 1024 * 1024
    max_pages: PositiveInt = 2000
    #: Buckets that `s3://` sources may read (comma-separated or a JSON list); empty refuses `s3://`.
    s3_buckets: StringList = Field(default_factory=list)
    #: `documents upload` puts local files here (under `staging_prefix`) and submits the `s3://`
    #: source, for workers on other hosts; unset: files are copied under `storage_root`.
    staging_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    staging_prefix: str = Field(default="staging/", pattern=r"^([^/][^\x00]*/)?$")
    #: Bytes a DOCX archive may unpack to in all, and one member of it (or one PDF stream) alone.
    max_unpacked_bytes: PositiveInt = 256 * 1024 * 1024
    max_unpacked_member_bytes: PositiveInt = 64 * 1024 * 1024
    #: Members of a DOCX archive.
    max_archive_members: PositiveInt = 2000
    #: Unpacked / packed size of one archive member over 1 MiB unpacked.
    max_compression_ratio: PositiveInt = 200
    #: Chunks of one document, estimated before chunking and counted before embedding.
    max_chunks_per_document: PositiveInt = 20_000
    #: `num_questions` times the chunk count: chat requests' questions for one document.
    max_questions_per_document: PositiveInt = 2000
    chat_url: AnyHttpUrl | None = None
    chat_model: str | None = None
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
    api_url: AnyHttpUrl = AnyHttpUrl("https://api.github.com")
    token: SecretStr | None = None
    app_id: PositiveInt | None = None
    app_private_key: SecretStr | None = None
    app_installation_id: PositiveInt | None = None
    repositories: StringList = Field(default_factory=list)
    webhook_secret: SecretStr | None = None
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
    #: An OpenAI-compatible chat endpoint that writes `patch_from_model` patches; none: not offered.
    fix_model_url: AnyHttpUrl | None = None
    fix_model: str = "default"
    fix_model_api_key: SecretStr | None = None
    #: Bound on the files' text sent to the model with the diagnosis.
    fix_model_max_context_bytes: PositiveInt = 64 * 1024
    #: The largest patch taken from the model.
    fix_model_max_patch_bytes: PositiveInt = 32 * 1024
    #: Bound on one request to the model.
    fix_model_timeout_s: PositiveFloat = 120.0
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
    region: str = "us-east-1"
    endpoint_url: AnyHttpUrl | None = None
    #: S3 endpoint for `s3://` sources; defaults to `endpoint_url`.
    s3_endpoint_url: AnyHttpUrl | None = None
    #: Attempts per AWS call (botocore's standard retry mode) before the task's own retry policy.
    max_attempts: PositiveInt = 5


class InfraSettings(Section):
    #: Lifetime of an environment's run lock; extended while the run lives. A run that finds the
    #: lock held keeps waiting (without spending its retry budget) for at most this long.
    lock_ttl_s: PositiveInt = 1800
    #: Pause between two tries of a run waiting for a busy lock.
    lock_retry_s: PositiveFloat = 30.0
    #: Bound on waiting for a table or an index to become ACTIVE.
    wait_timeout_s: PositiveInt = 600
    allow_prod_delete: bool = False
    #: Where the table specs live, `module:attribute` (a list of `tasks.infra.specs.TableSpec`).
    tables: str = Field(default="tasks.infra.tables:TABLES", pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class FlowerSettings(Section):
    basic_auth: SecretStr | None = None
    address: str = "127.0.0.1"
    port: PositiveInt = 5555

    @field_validator("basic_auth")
    @classmethod
    def _check_basic_auth(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and ":" not in value.get_secret_value():
            raise ValueError("expected user:password")
        return value


class MetricsSettings(Section):
    enabled: bool = True
    port: NonNegativeInt = 9808
    #: Interface the worker's `/metrics` listens on.
    address: str = "0.0.0.0"
    #: How often each process writes its batched metric updates to Redis.
    flush_interval_s: PositiveFloat = 1.0
    #: A worker's stats hash is dropped this long after its last update (hostnames come and go).
    worker_stats_ttl_s: PositiveInt = 7 * 86_400


class DlqSettings(Section):
    enabled: bool = True
    max_entries: PositiveInt = 100_000
    retention_days: PositiveInt = 30
    #: Deliveries of one task id that kill their worker before it is dead-lettered.
    max_deliveries: PositiveInt = 3


class RetrySettings(Section):
    max_retries: NonNegativeInt = 5
    backoff_base_s: PositiveFloat = 2.0
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
    #: How long an unacknowledged Redis message may stay with a live worker.
    visibility_timeout_s: PositiveInt = 43_200
    #: How often a worker proves it is alive, and after how long it counts as dead.
    heartbeat_s: PositiveInt = 5
    dead_after_s: PositiveInt = 20
    #: Longest wait of an idle worker's fetch on one queue key before it looks at all of them again.
    fetch_wait_s: PositiveFloat = Field(default=0.25, le=5)
    #: The atomic-fetch transport for redis:// brokers (off only for comparison runs).
    atomic_fetch: bool = True
    prefetch_multiplier: PositiveInt = 1
    #: Pool processes keep flat memory over 20,000 tasks (tests/reliability/test_memory.py); at a
    #: thousand tasks a second, recycling every 1,000 cost the consumer 9 % of its time in forks.
    max_tasks_per_child: PositiveInt = 10_000
    max_memory_per_child_kb: PositiveInt = 1_500_000
    #: How long a new pool process may take to report ready before the main process kills it.
    #: A pool process only sets up logging and task tracers (the embedding model loads after
    #: the report); Celery's 4 s leaves no room for a loaded host.
    proc_alive_timeout_s: PositiveFloat = 10.0
    #: More modules of tasks to register (comma-separated or a JSON list), e.g. test-only tasks.
    extra_task_modules: StringList = Field(default_factory=list)
    #: A worker idle this long while its queues hold messages restarts its consumer; 0: off.
    consumer_watchdog_s: NonNegativeInt = 30
    #: Longest a task event waits in the worker before it is sent (with the others waiting).
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

    environment: Environment = "dev"
    redis_url: AnyUrl = AnyUrl("redis://localhost:6379/0")
    broker_url: AnyUrl | None = None
    result_backend: AnyUrl | None = None
    #: Sentinel: `TASKS_REDIS_SENTINEL__MASTER_NAME`, `TASKS_REDIS_SENTINEL__PASSWORD`.
    redis_sentinel: RedisSentinelSettings = RedisSentinelSettings()
    broker_transport_options: TransportOptionsSetting = TransportOptions()
    #: RabbitMQ: the platform's queues are quorum queues (replicated; no global QoS, no priorities),
    #: countdowns and ETAs through Celery's native delayed delivery.
    broker_quorum_queues: bool = False
    result_backend_transport_options: TransportOptionsSetting = TransportOptions()
    data_dir: Path = Path("./var")
    log_format: Literal["json", "text"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: Level of httpx's and httpcore's own loggers: at INFO httpx logs every request's URL.
    http_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    timezone: str = "UTC"

    upload: UploadSettings = UploadSettings()
    github: GitHubSettings = GitHubSettings()
    aws: AwsSettings = AwsSettings()
    infra: InfraSettings = InfraSettings()
    flower: FlowerSettings = FlowerSettings()
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
