"""What the fuzzed worker talks to: a storage root with real files, a populated fake GitHub, moto, a network trap."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.github.fake_github import FakeGitHub
from tests.harness import loopback
from tests.upload.factories import filler_pages, make_docx, make_pdf

TOKEN = "ghp-fuzz-token-0123456789"

NOTES = (
    "Harbour cranes lift containers from ships onto trucks.\n\n"
    "Each crane is inspected weekly; the log keeps the inspector's name and the date.\n\n"
) * 6
GUIDE = "# Guide\n\n## Install\n\nRun the installer.\n\n## Use\n\n* open\n* read\n* close\n\n```\ncode block\n```\n"
PAGE = "<html><head><title>Cranes</title></head><body><h1>Cranes</h1><p>They lift things.</p></body></html>"


@dataclass(frozen=True)
class StorageRoot:
    """Readable files, a folder, an empty file and two symlinks: one inside, one escaping the root."""

    root: Path
    outside: Path
    files: tuple[str, ...] = ("notes.txt", "guide.md", "page.html", "report.pdf", "letter.docx", "sub/nested.txt")
    #: Over the default TASKS_UPLOAD__MAX_CHUNKS_PER_DOCUMENT (20,000) in one-character chunks; only sent
    #: as a fixed example, so drawn calls never meet the chunk bound.
    big: str = "big.txt"

    @classmethod
    def build(cls, base: Path) -> StorageRoot:
        root, outside = base / "root", base / "outside"
        (root / "sub").mkdir(parents=True)
        outside.mkdir()
        (outside / "secret.txt").write_text("never to be read by a task")
        (root / "notes.txt").write_text(NOTES)
        (root / "guide.md").write_text(GUIDE)
        (root / "page.html").write_text(PAGE)
        (root / "sub" / "nested.txt").write_text("A nested note about crane maintenance schedules.")
        (root / "blank.txt").write_text(" \n\t\n")
        (root / "big.txt").write_text("crane " * 5_000)
        make_pdf(root / "report.pdf", filler_pages(2))
        make_docx(root / "letter.docx", [["Dear reader,", "the cranes are fine."]])
        os.symlink(root / "notes.txt", root / "inner-link.txt")
        os.symlink(outside / "secret.txt", root / "escape.txt")
        os.symlink(outside, root / "escape-dir")
        return cls(root, outside)

    def size(self, name: str) -> int:
        return (self.root / name).stat().st_size


@dataclass
class NetworkTrap:
    """A loopback HTTP proxy every non-loopback request is sent to: it refuses and records them."""

    attempts: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> NetworkTrap:
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def _refuse(self) -> None:
                with trap.lock:
                    trap.attempts.append(f"{self.command} {self.path}")
                self.send_error(403, "the fuzzing run may not reach the network")

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_CONNECT = _refuse

        self.server = loopback.serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def env(self) -> dict[str, str]:
        """Proxy variables that httpx, botocore and urllib honour; loopback goes direct."""
        names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
        return {**dict.fromkeys(names, self.url), "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}

    def stop(self) -> None:
        if self.server is not None:
            loopback.close(self.server)


#: The bucket `s3://` sources may read, one they may not, and the objects both hold.
S3_ALLOWED, S3_OTHER = "fuzz-bucket", "other-bucket"
S3_KEYS = ("notes.txt", "sub/nested.txt")


def fill_buckets(moto_url: str) -> None:
    """Both buckets, each holding the same small notes."""
    import boto3

    s3 = boto3.client(
        "s3", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="AKIDFUZZ", aws_secret_access_key="x"
    )
    for bucket in (S3_ALLOWED, S3_OTHER):
        s3.create_bucket(Bucket=bucket)
        for key in S3_KEYS:
            s3.put_object(Bucket=bucket, Key=key, Body=NOTES.encode())


@dataclass(frozen=True)
class GitHubWorld:
    """The fake's repositories, open pull requests (number to head SHA) and check runs."""

    repositories: tuple[str, ...]
    heads: dict[int, str]
    check_runs: tuple[int, ...]
    #: The pull requests of the first repository (the others are the second's).
    widgets: frozenset[int] = frozenset()


FAILED_LOG = (
    "src/app.py:3:1: F401 'os' imported but unused\nFound 1 error.\nError: Process completed with exit code 1.\n"
)


def populate(fake: FakeGitHub) -> GitHubWorld:
    """Two repositories with open pull requests, a failed check run with a log and a passing one.

    Pull request 4 comes from a protected branch and 5 from the default branch: `pr.apply_fix`
    must leave both alone (a success reporting nothing applied).
    """
    fake.rate_limit = fake.rate_remaining = 10_000_000
    widgets, gadgets = fake.add_repo("acme/widgets"), fake.add_repo("acme/gadgets")
    heads = {1: fake.add_pull(widgets, 1), 2: fake.add_pull(widgets, 2), 3: fake.add_pull(gadgets, 3)}
    gadgets.protected.add("release")
    heads[4] = fake.add_pull(gadgets, 4, branch="release")
    heads[5] = fake.add_pull(widgets, 5, branch="main")
    runs = (
        fake.add_check_run(widgets, heads[1], "lint", "failure", log=FAILED_LOG),
        fake.add_check_run(widgets, heads[2], "tests", "success", log="ok\n"),
        fake.add_check_run(gadgets, heads[3], "build", "failure", log="error: cannot find symbol\n"),
    )
    return GitHubWorld(("acme/widgets", "acme/gadgets"), heads, runs, frozenset(widgets.pulls))


def worker_env(storage: StorageRoot, fake: FakeGitHub, moto_url: str, trap: NetworkTrap) -> dict[str, str]:
    """A worker whose every outside service is on loopback, and whose other traffic hits the trap."""
    return {
        **trap.env(),
        "TASKS_UPLOAD__STORAGE_ROOT": str(storage.root),
        "TASKS_UPLOAD__EMBEDDER": "hashing",
        "TASKS_UPLOAD__S3_BUCKETS": S3_ALLOWED,
        "TASKS_GITHUB__API_URL": fake.url,
        "TASKS_GITHUB__TOKEN": TOKEN,
        "TASKS_GITHUB__REPOSITORIES": "acme/widgets,acme/gadgets",
        "TASKS_GITHUB__AUTO_FIX": "true",
        "TASKS_GITHUB__REQUEST_TIMEOUT_S": "5",
        "TASKS_AWS__ENDPOINT_URL": moto_url,
        "TASKS_AWS__REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDFUZZ",
        "AWS_SECRET_ACCESS_KEY": "fuzz-secret",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    }
