"""Every public task's fields as the contract states them: values accepted, values refused."""

from __future__ import annotations

import math
import re
from typing import Any

from hypothesis import strategies as st

from tasks.settings import REPOSITORY_PATTERN
from tests.reliability.fuzz_cases import Field, TaskSpec
from tests.reliability.fuzz_values import any_text, huge_text, not_bool, not_int, not_one_of, not_str, small_json
from tests.reliability.fuzz_world import S3_ALLOWED, S3_KEYS, S3_OTHER, GitHubWorld, StorageRoot

COLLECTION = r"[A-Za-z0-9_-]{1,63}"
DOCUMENT_ID = r"[A-Za-z0-9_.:-]{1,128}"
OWNER = r"[A-Za-z0-9][A-Za-z0-9-]{0,38}"
ENVIRONMENTS = ("dev", "test", "staging", "prod")
STRATEGIES = ("fixed", "recursive", "sentence", "markdown")
#: Tasks that take no arguments at all.
NO_PARAMS = (
    "pr.monitor_all",
    "health.check_dependencies",
    "maintenance.recover_stale_documents",
    "maintenance.trim_dead_letters",
    "reports.daily_summary",
)


def boolean() -> Field:
    return Field(st.booleans(), not_bool())


def bounded_text(low: int, high: int) -> st.SearchStrategy[Any]:
    """Strings a `min_length=low, max_length=high` field refuses."""
    short = st.just("") if low > 0 else st.nothing()
    # Built from a short drawn piece: hypothesis cannot draw thousands of characters one by one.
    long = st.builds(
        lambda piece, size: (piece * size)[:size], st.text(min_size=1, max_size=3), st.integers(high + 1, high + 20)
    )
    return st.one_of(short, long, huge_text())


def upload(storage: StorageRoot) -> TaskSpec:
    root = storage.root
    readable = [*storage.files, "inner-link.txt", "./notes.txt", "sub/../notes.txt"]
    readable += [str(root / name) for name in storage.files] + [f"file://{root / 'notes.txt'}"]
    readable += [f"s3://{S3_ALLOWED}/{key}" for key in S3_KEYS]
    # Inside the root (or the allowed bucket) but not a readable document: the task fails permanently.
    unreadable = ["missing.pdf", "sub/absent.txt", "sub", "blank.txt", str(root), f"file://{root / 'nope.txt'}"]
    unreadable += [f"s3://{S3_ALLOWED}/missing.txt", f"s3://{S3_ALLOWED}/sub/"]
    outside = [
        "/etc/passwd",
        "file:///etc/passwd",
        "../../../../etc/passwd",
        "sub/../../outside/secret.txt",
        "escape.txt",
        "escape-dir/secret.txt",
        str(storage.outside / "secret.txt"),
        f"file://{root}/../outside/secret.txt",
        "file://evil.example.com/etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "gopher://127.0.0.1:9/x",
        "notes.txt\x00.pdf",
        "\x00",
        # Only S3_ALLOWED is in TASKS_UPLOAD__S3_BUCKETS, though the other bucket exists and holds the same keys.
        f"s3://{S3_OTHER}/notes.txt",
        f"s3://{S3_ALLOWED.upper()}/notes.txt",
        f"s3://{S3_ALLOWED}",
        f"s3://{S3_ALLOWED}/",
        "s3://",
        "s3://bucket-only",
        "s3://../../etc/passwd",
    ]
    source = Field(
        st.sampled_from(readable + unreadable),
        st.one_of(
            st.sampled_from(outside),
            st.sampled_from(outside),
            st.sampled_from(outside),
            bounded_text(1, 4096),
            not_str(),
        ),
        required=True,
    )
    sizes = [storage.size(name) for name in storage.files]
    return TaskSpec(
        "uploads.process_document",
        {
            "source": source,
            "filename": Field(
                st.one_of(st.none(), st.sampled_from(["doc.txt", "doc.pdf", "x.md", "../../etc/passwd", "é.html"])),
                st.one_of(bounded_text(1, 255), not_str(none_ok=True)),
            ),
            "file_size": Field(
                st.one_of(st.none(), st.sampled_from(sizes), st.integers(0, 2**70)),
                st.one_of(st.integers(-(2**70), -1), not_int(none_ok=True)),
            ),
            "collection": Field(
                st.one_of(st.sampled_from(["fuzz", "fuzz-b", "F_z"]), st.from_regex(COLLECTION, fullmatch=True)),
                st.one_of(st.sampled_from(["", "a b", "../x", "é", "x" * 64, "a/b", "a\x00"]), not_str(), huge_text()),
            ),
            "chunking_strategy": Field(st.sampled_from(STRATEGIES), not_one_of(STRATEGIES)),
            "chunk_size": Field(
                st.one_of(st.sampled_from([200, 500, 1000, 4000]), st.integers(201, 100_000), st.integers(1, 200)),
                st.one_of(st.integers(-(2**70), 0), st.integers(100_001, 2**70), not_int()),
            ),
            "chunk_overlap": Field(
                # 900 and 901 sit on the smallest step the default chunk_size (1000) takes.
                st.one_of(st.sampled_from([0, 10, 100, 199, 900, 901]), st.integers(0, 100_000)),
                st.one_of(st.integers(-(2**70), -1), not_int()),
            ),
            "extract_metadata": boolean(),
            # Nothing to ask: no chat endpoint is configured, so any question is refused.
            "num_questions": Field(st.just(0), st.one_of(st.integers(1, 2**70), st.integers(-(2**70), -1), not_int())),
            "max_pages": Field(
                st.one_of(st.none(), st.integers(1, 2**70)), st.one_of(st.integers(-(2**70), 0), not_int(none_ok=True))
            ),
            "document_id": Field(
                st.one_of(st.none(), st.from_regex(DOCUMENT_ID, fullmatch=True)),
                st.one_of(st.sampled_from(["", "a b", "../x", "x/y", "é", "a\x00"]), not_str(none_ok=True)),
            ),
            "force": boolean(),
        },
        cross=_upload_rules,
        examples=(
            *(({"source": text}, "source") for text in outside),
            # 30,000 one-character chunks, over TASKS_UPLOAD__MAX_CHUNKS_PER_DOCUMENT: refused before chunking.
            # Forced: once the example below has stored big.txt, an unforced call is a duplicate, which chunks nothing.
            ({"source": storage.big, "chunk_size": 1, "chunk_overlap": 0, "force": True}, "chunk_size"),
            # A few thousand chunks of a word each, within the bound.
            ({"source": storage.big, "chunk_size": 10, "chunk_overlap": 0, "force": True}, None),
            *(({"source": f"s3://{S3_ALLOWED}/{key}", "force": True}, None) for key in S3_KEYS),
            ({"source": "notes.txt", "chunk_size": 1000, "chunk_overlap": 900, "force": True}, None),
            ({"source": "notes.txt", "chunk_size": 1000, "chunk_overlap": 901}, "chunk_overlap"),
        ),
    )


def _upload_rules(kwargs: dict[str, Any]) -> frozenset[str]:
    size, overlap = kwargs.get("chunk_size", 1000), kwargs.get("chunk_overlap", 200)
    # A step under a tenth of chunk_size repeats nearly every character in chunk after chunk.
    if overlap >= size or size - overlap < math.ceil(size / 10):
        return frozenset({"chunk_overlap", "chunk_size"})
    return frozenset()


def _repository_names() -> st.SearchStrategy[str]:
    # GitHub itself refuses `.` and `..` as names: in a URL path they would step out of the repository.
    return st.from_regex(rf"{OWNER}/[A-Za-z0-9._-]{{1,100}}", fullmatch=True).filter(
        lambda name: name.split("/")[1] not in (".", "..")
    )


def _malformed_repository() -> st.SearchStrategy[Any]:
    refused = ["acme/..", "acme/.", "../acme/widgets", "acme", "acme/widgets/pulls", "-acme/x", "acme/wid gets"]
    return st.one_of(
        st.sampled_from(refused), any_text().filter(lambda text: not re.match(REPOSITORY_PATTERN, text)), not_str()
    )


def _repository(github: GitHubWorld) -> Field:
    """Any owner/name: reading tasks take repositories beyond TASKS_GITHUB__REPOSITORIES."""
    return Field(
        st.one_of(st.sampled_from(github.repositories), _repository_names()),
        _malformed_repository(),
        required=True,
    )


def _configured_repository(github: GitHubWorld) -> Field:
    """Only the configured repositories: `pr.apply_fix` writes nowhere else."""
    others = st.one_of(
        st.sampled_from([name.upper() for name in github.repositories] + ["acme/widgets2", "acme/other"]),
        _repository_names(),
    ).filter(lambda name: name not in github.repositories)
    return Field(st.sampled_from(github.repositories), st.one_of(_malformed_repository(), others), required=True)


def _positive(known: tuple[int, ...]) -> Field:
    return Field(
        st.one_of(st.sampled_from(known), st.integers(1, 2**70)),
        st.one_of(st.integers(-(2**70), 0), not_int()),
        required=True,
    )


def _sha(github: GitHubWorld) -> Field:
    return Field(
        st.one_of(
            st.none(), st.sampled_from(sorted(github.heads.values())), st.from_regex(r"[0-9a-f]{40}", fullmatch=True)
        ),
        st.one_of(
            st.sampled_from(["HEAD", "0" * 39, "A" * 40, "g" * 40, "0" * 41]),
            any_text().filter(lambda text: len(text) != 40),
            not_str(none_ok=True),
        ),
    )


def diff(path: str, line: str = "fixed") -> str:
    return f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+{line}\n"


#: Paths a patch may never write: outside the repository, into git's own files, or matching the default
#: TASKS_GITHUB__FIX_DENY_PATHS (whatever the case).
ESCAPING_PATHS = ("../../etc/passwd", "/etc/passwd", "docs/../../outside.txt", ".git/hooks/pre-commit", ".git/config")
DENIED_PATHS = (
    ".github/workflows/ci.yml",
    ".GitHub/Workflows/ci.yml",
    ".github/actions/setup/action.yml",
    "CODEOWNERS",
    "docs/codeowners",
    ".gitmodules",
)
#: Files `format` and `lint_fix` may never rewrite: escaping, denied, not Python, too many (over 50), none.
REFUSED_FILES: tuple[list[str], ...] = (
    ["../../etc/passwd.py"],
    ["src/ok.py", ".git/hooks/pre-commit.py"],
    [".github/workflows/check.py"],
    [".GitHub/Actions/run.py"],
    ["setup.cfg"],
    ["poetry.lock"],
    [f"m{n}.py" for n in range(51)],
    [],
)
#: Just over the default TASKS_GITHUB__FIX_MAX_PATCH_BYTES (1 MiB).
OVERSIZED_PATCH = diff("docs/big.txt", "x" * (1024 * 1024))


def github(world: GitHubWorld) -> list[TaskSpec]:
    repository = _repository(world)
    number = _positive(tuple(world.heads))
    patches = st.one_of(
        st.none(), st.builds(diff, st.sampled_from(["docs/fixed.txt", "src/fix.py", "a b/é.txt", "docs/workflows.md"]))
    )
    patch_call = _patch_call(world)
    denied_patches = [*(diff(path) for path in DENIED_PATHS), OVERSIZED_PATCH]
    fix = {
        "repository": _configured_repository(world),
        "number": number,
        "strategy": Field(
            st.sampled_from(["rerun_failed_jobs", "patch", "format", "lint_fix", "patch_from_model"]),
            not_one_of(("rerun_failed_jobs", "patch", "format", "lint_fix", "patch_from_model")),
            required=True,
        ),
        "patch": Field(
            patches,
            st.one_of(
                st.builds(diff, st.sampled_from(ESCAPING_PATHS + DENIED_PATHS)),
                st.sampled_from(["", "not a diff", "--- a\n+++ b\n", OVERSIZED_PATCH]),
                huge_text(),
                not_str(none_ok=True),
            ),
        ),
        "expected_head_sha": _sha(world),
        "files": Field(
            st.one_of(
                st.none(), st.lists(st.sampled_from(["src/fix.py", "a.py", "pkg/types.pyi", "é/ü.py"]), min_size=1)
            ),
            st.one_of(
                st.sampled_from(REFUSED_FILES),
                st.lists(st.integers(), min_size=1, max_size=3),
                st.text(max_size=8),
                st.integers(),
            ),
        ),
        "formatter": Field(st.sampled_from([None, "ruff", "black"]), not_one_of(("ruff", "black"))),
    }
    return [
        TaskSpec(
            "pr.monitor_repository",
            {"repository": repository},
            examples=(({"repository": "acme/.."}, "repository"), ({"repository": "acme/."}, "repository")),
        ),
        TaskSpec("pr.check_pull_request", {"repository": repository, "number": number, "head_sha": _sha(world)}),
        TaskSpec("pr.analyze_check_failure", {"repository": repository, "check_run_id": _positive(world.check_runs)}),
        TaskSpec(
            "pr.apply_fix",
            fix,
            cross=_fix_rules,
            examples=(
                *(({**patch_call, "patch": patch}, "patch") for patch in denied_patches),
                # Applied; then refused on a protected branch and on the default branch (a success applying nothing).
                *(({**_patch_call(world, number), "patch": diff("docs/fixed.txt")}, None) for number in (2, 4, 5)),
            ),
        ),
        TaskSpec("pr.handle_webhook", _webhook_fields(world), cross=_webhook_rules),
    ]


def _patch_call(world: GitHubWorld, number: int = 1) -> dict[str, Any]:
    """A `strategy: patch` call on pull request `number` at its head, all but the patch valid."""
    repository = world.repositories[0] if number in world.widgets else world.repositories[1]
    return {"repository": repository, "number": number, "strategy": "patch", "expected_head_sha": world.heads[number]}


def _fix_rules(kwargs: dict[str, Any]) -> frozenset[str]:
    """The fields a call breaks between them: each strategy takes its own and needs the head it fixes."""
    strategy = kwargs["strategy"]
    takes = {
        "patch": strategy == "patch",
        "files": strategy in ("format", "lint_fix"),
        "formatter": strategy == "format",
    }
    misplaced = frozenset(name for name, taken in takes.items() if not taken and kwargs.get(name) is not None)
    if misplaced:
        return misplaced
    if strategy == "rerun_failed_jobs":
        return frozenset()
    if kwargs.get("expected_head_sha") is None:
        return frozenset({"expected_head_sha"})
    if strategy == "patch" and kwargs.get("patch") is None:
        return frozenset({"patch"})
    return frozenset()


HANDLED_EVENTS = ("pull_request", "check_run", "check_suite")


def _event_payload(world: GitHubWorld) -> st.SearchStrategy[dict[str, Any]]:
    repo = st.sampled_from(world.repositories)
    sha = st.sampled_from(sorted(world.heads.values()))
    number = st.sampled_from(sorted(world.heads))
    action = st.sampled_from(["opened", "synchronize", "reopened", "closed", "completed", "requested", "odd"])
    pull = st.fixed_dictionaries(
        {
            "action": action,
            "repository": st.fixed_dictionaries({"full_name": repo}),
            "pull_request": st.fixed_dictionaries({"number": number, "head": st.fixed_dictionaries({"sha": sha})}),
        }
    )
    run = st.fixed_dictionaries(
        {
            "action": action,
            "repository": st.fixed_dictionaries({"full_name": repo}),
            "check_run": st.fixed_dictionaries(
                {
                    "id": st.sampled_from(world.check_runs),
                    "head_sha": sha,
                    "conclusion": st.sampled_from(["failure", "success", None]),
                    "pull_requests": st.lists(st.fixed_dictionaries({"number": number}), max_size=2),
                }
            ),
        }
    )
    return st.one_of(pull, run)


def _webhook_fields(world: GitHubWorld) -> dict[str, Field]:
    return {
        # Unhandled events take any object: only the three handled ones are read.
        "event": Field(
            st.one_of(st.sampled_from(HANDLED_EVENTS), st.sampled_from(["ping", "push", "issues"])),
            st.one_of(st.sampled_from(["PULL_REQUEST", "pull-request", "", "x" * 65, "../x"]), not_str()),
            required=True,
        ),
        "delivery_id": Field(
            st.one_of(st.uuids().map(str), st.text(min_size=1, max_size=128)), bounded_text(1, 128), required=True
        ),
        "payload": Field(
            st.one_of(_event_payload(world), st.dictionaries(st.text(max_size=10), small_json(), max_size=4)),
            st.one_of(st.lists(small_json(), max_size=3), any_text(), st.none(), st.integers()),
            required=True,
        ),
    }


def _webhook_rules(kwargs: dict[str, Any]) -> frozenset[str]:
    """A handled event's payload must have the shape GitHub sends: mismatched event and shape is refused."""
    event, payload = kwargs["event"], kwargs["payload"]
    if event not in HANDLED_EVENTS:
        return frozenset()
    if event == "pull_request" and "pull_request" in payload:
        return frozenset()
    if event == "check_run" and "check_run" in payload:
        return frozenset()
    return frozenset({"payload"})


def infra() -> list[TaskSpec]:
    def environment(required: bool = False) -> Field:
        refused = ["production", "PROD", "../prod", "", "prod ", "dev\x00"]
        return Field(st.sampled_from(ENVIRONMENTS), st.one_of(st.sampled_from(refused), not_str()), required)

    ensure = {
        "environment": environment(),
        "dry_run": boolean(),
        "force_recreate": boolean(),
        "skip_validation": boolean(),
    }
    delete = {
        "environment": environment(required=True),
        "confirm": Field(st.sampled_from(ENVIRONMENTS), not_str(), required=True),
    }
    return [
        TaskSpec("infra.ensure_tables", ensure, cross=_ensure_rules),
        TaskSpec("infra.validate_tables", {"environment": environment()}),
        TaskSpec("infra.delete_tables", delete, cross=_delete_rules),
    ]


def _ensure_rules(kwargs: dict[str, Any]) -> frozenset[str]:
    # The worker's environment is `test`: only an explicit prod is protected.
    protected = kwargs.get("environment") == "prod" and kwargs.get("force_recreate") is True
    return frozenset({"force_recreate"}) if protected else frozenset()


def _delete_rules(kwargs: dict[str, Any]) -> frozenset[str]:
    return frozenset({"confirm"}) if kwargs["confirm"] != kwargs["environment"] else frozenset()


def scheduled() -> list[TaskSpec]:
    deliver = TaskSpec(
        "reports.deliver_summary", {"summary_id": Field(st.one_of(st.uuids().map(str), any_text()), not_str(), True)}
    )
    return [*(TaskSpec(name) for name in NO_PARAMS), deliver]


def every_task(storage: StorageRoot, world: GitHubWorld) -> list[TaskSpec]:
    return [upload(storage), *github(world), *infra(), *scheduled()]
