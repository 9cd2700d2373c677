"""The failed pull requests of bench/pr_fix_loop.py, on the fake GitHub, and their webhook deliveries.

Each strategy has a repository of its own, so every request the loop makes is attributed
to one; `bench/guarded` holds the pull requests whose head branch is protected or is the
default branch. A tool failure's job log is the real output of the worker's own ruff on
the seeded file, in the runner's decoration of a log of tests/github/logs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.github.fake_github import FakeGitHub, FakeRepo

LOGS = Path(__file__).resolve().parents[1] / "tests" / "github" / "logs"
REPOSITORIES = {"format": "bench/format", "lint_fix": "bench/lint-fix", "rerun_failed_jobs": "bench/rerun"}
STRATEGIES = tuple(REPOSITORIES)
GUARDED = "bench/guarded"
GUARDS = ("protected", "default branch")
#: Every repository's root configuration: the tool fixes read it and run ruff under it.
PYPROJECT = '[project]\nname = "widgets"\n\n[tool.ruff]\nline-length = 100\n'
#: The job logs of transient failures, taken in turn, and their check runs' conclusions.
TRANSIENT = (("runner_lost.log", "failure"), ("job_timeout.log", "timed_out"))
#: Per tool strategy: the failing check, the committed log whose decoration it takes, ruff's check and fix.
TOOL_CHECKS = {
    "format": ("format", "ruff_format.log", "format --check", "format"),
    "lint_fix": ("lint", "ruff_check.log", "check", "check --fix"),
}

Key = tuple[str, int]


@dataclass(frozen=True)
class Seeded:
    """A pull request with one failed check, and what the loop should do about it."""

    repository: str
    number: int
    strategy: str
    #: None, or one of GUARDS.
    guard: str | None
    branch: str
    head_sha: str
    path: str
    #: The file as the worker's ruff fixes it; None for a transient failure.
    fixed: str | None
    check_run_id: int
    check_name: str
    conclusion: str
    workflow_run_id: int

    @property
    def key(self) -> Key:
        return self.repository, self.number


def source(strategy: str, number: int) -> str:
    """The pull request's file: unformatted, with an unused import, or clean (a transient failure's)."""
    if strategy == "format":
        return f"def widget_{number}( a,b ):\n  return {{'a':a,\n   'b':b, 'n':{number}}}\n"
    unused = "import os\n" if strategy == "lint_fix" else ""
    return f"{unused}import sys\n\n\ndef widget_{number}():\n    print(sys.argv, {number})\n"


def ruff(command: str, folder: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), *command.split(), "--no-cache", "."],
        cwd=folder,
        env={"PATH": os.defpath, "HOME": folder, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
    )


def tool_failure(strategy: str, path: str, text: str) -> tuple[str, str]:
    """The job log of ruff failing on the file, and the file as ruff fixes it."""
    _, template, check, fix = TOOL_CHECKS[strategy]
    with tempfile.TemporaryDirectory(prefix="fix-bench-") as folder:
        (Path(folder) / path).parent.mkdir(parents=True)
        (Path(folder) / path).write_text(text)
        (Path(folder) / "pyproject.toml").write_text(PYPROJECT)
        failed = ruff(check, folder)
        ruff(fix, folder)
        fixed = (Path(folder) / path).read_text()
    assert failed.returncode == 1 and fixed != text, f"ruff {check} does not fail on {path}:\n{failed.stdout}"
    # Committed lines are `<timestamp> <text>`; a step's output lies between the `##[endgroup]`
    # of its `Run` group and the runner's `##[error]Process completed` line.
    lines = [line.split(" ", 1)[1] for line in (LOGS / template).read_text().splitlines()]
    run = max(index for index, line in enumerate(lines) if line.startswith("##[group]Run "))
    start = lines.index("##[endgroup]", run) + 1
    end = next(index for index, line in enumerate(lines) if line.startswith("##[error]Process completed"))
    shown = [f"##[group]Run ruff {check} .", f"ruff {check} ."]
    output = (failed.stdout + failed.stderr).rstrip().splitlines()
    body = lines[:run] + shown + lines[run + 2 : start] + output + lines[end:]
    log = "".join(f"2026-12-03T06:30:{index / 1000:06.3f}0000Z {line}\n" for index, line in enumerate(body))
    return log, fixed


def add_repo(fake: FakeGitHub, name: str) -> FakeRepo:
    repo = fake.add_repo(name)
    repo.refs["main"] = repo.commit_files({"pyproject.toml": PYPROJECT}, repo.refs["main"], "configure ruff")
    return repo


def seed(fake: FakeGitHub, repo: FakeRepo, number: int, strategy: str, guard: str | None = None) -> Seeded:
    branch = {None: f"pr-{number}", "protected": f"release-{number}", "default branch": repo.default_branch}[guard]
    path = f"src/widgets/module_{number}.py"
    text = source(strategy, number)
    fixed: str | None = None
    if strategy == "rerun_failed_jobs":
        template, conclusion = TRANSIENT[number % len(TRANSIENT)]
        name, log = "integration", (LOGS / template).read_text()
    else:
        name, conclusion = TOOL_CHECKS[strategy][0], "failure"
        log, fixed = tool_failure(strategy, path, text)
    head = fake.add_pull(repo, number, {path: text}, branch=branch)
    if guard == "protected":
        repo.protected.add(branch)
    check_run_id = fake.add_check_run(repo, head, name, conclusion, log=log)
    (workflow_run_id,) = [run_id for run_id, run in repo.workflow_runs.items() if run["head_sha"] == head]
    return Seeded(
        repo.full_name,
        number,
        strategy,
        guard,
        branch,
        head,
        path,
        fixed,
        check_run_id,
        name,
        conclusion,
        workflow_run_id,
    )


def populate(fake: FakeGitHub, per_strategy: int, guarded: int) -> list[Seeded]:
    """The pull requests in the order their failures are delivered: strategies in turn, the guarded spread out."""
    repos = {strategy: add_repo(fake, name) for strategy, name in REPOSITORIES.items()}
    rows = [[seed(fake, repos[s], n, s) for n in range(1, per_strategy + 1)] for s in STRATEGIES]
    stream = [pull for turn in zip(*rows, strict=True) for pull in turn]
    # Every pairing of strategy and guard in turn. Pull requests from the default branch are
    # seeded last: each moves the branch, and every pull request starts from it.
    kinds = [(101 + index, STRATEGIES[index % 3], GUARDS[index % 2]) for index in range(guarded)]
    repo = add_repo(fake, GUARDED)
    seeded = {n: seed(fake, repo, n, s, g) for n, s, g in sorted(kinds, key=lambda kind: kind[2] != "protected")}
    total = len(stream) + guarded
    for index, (number, _, _) in enumerate(kinds):
        stream.insert(int((index + 0.5) * total / guarded), seeded[number])
    return stream


def delivery(pull: Seeded, secret: str) -> tuple[bytes, dict[str, str]]:
    """A signed `check_run` `completed` delivery: the fields the receiver reads, a few more that GitHub sends."""
    pull_request = {"number": pull.number, "head": {"ref": pull.branch, "sha": pull.head_sha}, "base": {"ref": "main"}}
    check_run = {
        "id": pull.check_run_id,
        "name": pull.check_name,
        "head_sha": pull.head_sha,
        "status": "completed",
        "conclusion": pull.conclusion,
        "app": {"slug": "github-actions"},
        "pull_requests": [pull_request],
    }
    repository = {"full_name": pull.repository, "default_branch": "main"}
    payload = {"action": "completed", "check_run": check_run, "repository": repository, "sender": {"login": "ci"}}
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/bench",
        "X-GitHub-Event": "check_run",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }
    return body, headers
