"""A fake GitHub REST server for tests and benchmarks: real HTTP on loopback, served by threads.

It keeps repositories, pull requests, check runs, statuses, comments, workflow
runs, job logs and git objects in memory; records every request; answers
`If-None-Match` with 304 (which, as on GitHub, costs no rate limit); counts a
primary rate limit and can refuse requests with 403/429 and reset headers. A pull
request's head can be force-pushed and a commit made to vanish (its listings then
answer 422, as GitHub's do), and hooks change the world after chosen requests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt

from tests.harness import loopback
from tests.harness.services import free_port

Json = Any


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    status: int
    body: Json
    authorization: str
    if_none_match: str
    at: float
    reply_headers: dict[str, str]


@dataclass(frozen=True)
class Reply:
    status: int
    body: Json = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    #: Sent with `Transfer-Encoding: chunked`, without a Content-Length (as storage may send a log).
    chunked: bool = False


def sha1(*parts: str | bytes) -> str:
    digest = hashlib.sha1()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()


@dataclass
class FakeRepo:
    full_name: str
    blobs: dict[str, bytes] = field(default_factory=dict)
    #: Flat trees: path -> (mode, blob sha).
    trees: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    commits: dict[str, dict[str, Any]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    workflow_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    job_logs: dict[int, str] = field(default_factory=dict)
    reruns: list[int] = field(default_factory=list)
    #: Commits gone (a force-push removed them): their check runs, status and workflow runs answer 422.
    vanished: set[str] = field(default_factory=set)
    push: bool = True
    default_branch: str = "main"
    protected: set[str] = field(default_factory=set)

    def blob(self, content: bytes) -> str:
        sha = sha1(b"blob", content)
        self.blobs[sha] = content
        return sha

    def tree(self, entries: dict[str, tuple[str, str]]) -> str:
        sha = sha1("tree", json.dumps(sorted(entries.items())))
        self.trees[sha] = dict(entries)
        return sha

    def commit(self, tree: str, parents: list[str], message: str) -> str:
        sha = sha1("commit", tree, *parents, message)
        self.commits[sha] = {"tree": tree, "parents": parents, "message": message}
        return sha

    def commit_files(self, files: dict[str, str], parent: str | None = None, message: str = "change") -> str:
        entries = dict(self.trees[self.commits[parent]["tree"]]) if parent else {}
        for path, text in files.items():
            entries[path] = ("100644", self.blob(text.encode()))
        return self.commit(self.tree(entries), [parent] if parent else [], message)

    def file_at(self, commit_sha: str, path: str) -> str:
        return self.blobs[self.trees[self.commits[commit_sha]["tree"]][path][1]].decode()


class FakeGitHub:
    def __init__(self, token: str = "test-token", per_page_max: int = 100) -> None:
        self.tokens = {token}
        self.per_page_max = per_page_max
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[Recorded] = []
        self.lock = threading.RLock()
        self.rate_limit = 5000
        self.rate_remaining = 5000
        self.rate_reset = int(time.time()) + 3600
        self.refusals: deque[tuple[str, Reply]] = deque()
        #: Run after answering a request whose method and path match: the world changing meanwhile.
        self.hooks: list[tuple[str, re.Pattern[str], Callable[[], object]]] = []
        self.app_id: int | None = None
        self.installation_token_lifetime_s = 3600
        self.app_public_key: str | None = None
        #: Job logs are sent chunked, without a Content-Length.
        self.chunked_logs = False
        self.next_id = 1000
        self.port = free_port()
        self.server: ThreadingHTTPServer | None = None
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = self._routes()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # Set-up helpers for tests.

    def add_repo(self, full_name: str, *, push: bool = True) -> FakeRepo:
        with self.lock:
            repo = self.repos[full_name] = FakeRepo(full_name, push=push)
            repo.refs["main"] = repo.commit_files({"README.md": "widgets\n"}, message="initial")
            return repo

    def new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id

    def add_pull(
        self,
        repo: FakeRepo,
        number: int,
        files: dict[str, str] | None = None,
        *,
        head_repo: FakeRepo | None = None,
        maintainer_can_modify: bool = False,
        branch: str | None = None,
    ) -> str:
        """Open pull request `number` from `branch` (`pr-<number>`) with one commit; returns its head SHA."""
        source = head_repo or repo
        with self.lock:
            branch = branch or f"pr-{number}"
            base = repo.refs["main"]
            if source is not repo:
                source.commits.setdefault(base, repo.commits[base])
                source.trees.update(repo.trees)
                source.blobs.update(repo.blobs)
            head = source.commit_files(files or {f"change_{number}.txt": f"{number}\n"}, base, f"PR {number}")
            source.refs[branch] = head
            repo.pulls[number] = {
                "number": number,
                "state": "open",
                "title": f"Change {number}",
                "updated_at": "2026-11-20T09:00:00Z",
                "head": {"sha": head, "ref": branch, "repo": {"full_name": source.full_name}},
                "base": {"ref": "main", "repo": {"full_name": repo.full_name}},
                "maintainer_can_modify": maintainer_can_modify,
            }
            return head

    def push_to_pull(self, repo: FakeRepo, number: int, files: dict[str, str]) -> str:
        """A new commit on the pull request's branch (as a developer's push)."""
        with self.lock:
            pull = repo.pulls[number]
            source = self.repos[pull["head"]["repo"]["full_name"]]
            head = source.commit_files(files, pull["head"]["sha"], "push")
            source.refs[pull["head"]["ref"]] = head
            pull["head"]["sha"] = head
            pull["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            return head

    def force_push(self, repo: FakeRepo, number: int, sha: str, *, vanish: bool = True) -> str:
        """Point the pull request's branch at `sha` (an older commit too); the old head vanishes unless kept."""
        with self.lock:
            pull = repo.pulls[number]
            source = self.repos[pull["head"]["repo"]["full_name"]]
            old = str(pull["head"]["sha"])
            source.refs[pull["head"]["ref"]] = sha
            pull["head"]["sha"] = sha
            pull["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if vanish and old != sha:
                self.vanish(repo, old)
            return old

    def vanish(self, repo: FakeRepo, sha: str) -> None:
        """The commit no longer exists: its listings answer 422 as GitHub's do."""
        with self.lock:
            repo.vanished.add(sha)

    def after(self, method: str, path: str, action: Callable[[], object]) -> None:
        """Call `action` after answering each request `method path` (a regular expression)."""
        with self.lock:
            self.hooks.append((method, re.compile(path), action))

    def add_check_run(
        self, repo: FakeRepo, head_sha: str, name: str, conclusion: str | None, *, log: str | None = None, **extra: Any
    ) -> int:
        run_id = self.new_id()
        pulls = [{"number": n} for n, p in repo.pulls.items() if p["head"]["sha"] == head_sha]
        with self.lock:
            repo.check_runs[run_id] = {
                "id": run_id,
                "name": name,
                "head_sha": head_sha,
                "status": "completed" if conclusion else "in_progress",
                "conclusion": conclusion,
                "app": {"slug": "github-actions" if log is not None else "ci-bot"},
                "pull_requests": pulls,
                "output": extra.pop("output", {"title": None, "summary": None, "text": None}),
                **extra,
            }
            if log is not None:
                repo.job_logs[run_id] = log
            if conclusion is not None:
                workflow_id = self.new_id()
                repo.workflow_runs[workflow_id] = {"id": workflow_id, "head_sha": head_sha, "conclusion": conclusion}
        return run_id

    def refuse_next(
        self, count: int, status: int = 403, *, reset_in_s: float = 2, retry_after_s: int | None = None, path: str = "/"
    ) -> None:
        """Answer the next `count` API requests whose path starts with `path` as rate-limited."""
        headers = {"X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Remaining": "0"}
        headers["X-RateLimit-Reset"] = str(int(time.time() + reset_in_s) + 1)
        if retry_after_s is not None:
            headers = {"Retry-After": str(retry_after_s)}
        body = {"message": "API rate limit exceeded", "documentation_url": "https://docs.github.com/rest/rate-limit"}
        with self.lock:
            self.refusals.extend((path, Reply(status, body, headers)) for _ in range(count))

    def enable_app(self, app_id: int, public_key_pem: str) -> None:
        self.app_id = app_id
        self.app_public_key = public_key_pem

    # What happened.

    def recorded(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and (path is None or re.fullmatch(path, r.path))
            ]

    def counted(self) -> int:
        """Requests that counted against the rate limit: every API answer but 304s, refusals and /rate_limit."""
        with self.lock:
            return sum(
                1
                for r in self.requests
                if r.status not in (304, 403, 429) and not r.path.startswith(("/_", "/rate_limit"))
            )

    def conditional(self, path: str | None = None) -> list[Recorded]:
        """GETs that carried `If-None-Match`."""
        return [r for r in self.recorded("GET", path) if r.if_none_match]

    def not_modified(self, path: str | None = None) -> list[Recorded]:
        return [r for r in self.recorded("GET", path) if r.status == 304]

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()

    # Serving.

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle's algorithm the body waits for the
            # client's delayed ACK (40 ms a response on Linux), which no real GitHub answer pays.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                fake.handle(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        self.server = loopback.serve(ThreadingHTTPServer(("127.0.0.1", self.port), Handler))
        return self

    def stop(self) -> None:
        if self.server is not None:
            loopback.close(self.server)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        split = urlsplit(request.path)
        query = {name: values[-1] for name, values in parse_qs(split.query).items()}
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        authorization = request.headers.get("Authorization", "")
        if_none_match = request.headers.get("If-None-Match", "")
        with self.lock:
            reply = self._answer(request.command, split.path, query, body, authorization, if_none_match)
            self.requests.append(
                Recorded(
                    request.command,
                    split.path,
                    query,
                    reply.status,
                    body,
                    authorization,
                    if_none_match,
                    time.time(),
                    dict(reply.headers),
                )
            )
            for method, pattern, action in list(self.hooks):
                if method == request.command and pattern.fullmatch(split.path):
                    action()
        payload = b"" if reply.status == 304 else (reply.text or json.dumps(reply.body)).encode()
        request.send_response(reply.status)
        for name, value in reply.headers.items():
            request.send_header(name, value)
        if reply.text is None:
            request.send_header("Content-Type", "application/json; charset=utf-8")
        if reply.chunked:
            request.send_header("Transfer-Encoding", "chunked")
        else:
            request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        try:
            if not reply.chunked:
                request.wfile.write(payload)
                return
            for start in range(0, len(payload), 65536):
                piece = payload[start : start + 65536]
                request.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            request.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            # The client stopped reading (a log past its download limit).
            request.close_connection = True

    def _answer(self, method: str, path: str, query: dict[str, str], body: Json, auth: str, etag: str) -> Reply:
        if path.startswith("/_logs/"):
            return self._logs(path)
        if path.startswith("/app/"):
            return self._app_token(path, auth)
        if auth.removeprefix("Bearer ").removeprefix("token ") not in self.tokens:
            return Reply(401, {"message": "Bad credentials"})
        if self.refusals and path.startswith(self.refusals[0][0]):
            return self.refusals.popleft()[1]
        now = time.time()
        if now >= self.rate_reset:
            self.rate_remaining, self.rate_reset = self.rate_limit, int(now) + 3600
        rate = {"X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Reset": str(self.rate_reset)}
        if path == "/rate_limit":
            core = {"limit": self.rate_limit, "remaining": self.rate_remaining, "reset": self.rate_reset}
            return Reply(200, {"resources": {"core": core}, "rate": core})
        if self.rate_remaining <= 0:
            rate["X-RateLimit-Remaining"] = "0"
            return Reply(403, {"message": "API rate limit exceeded"}, rate)
        for route_method, pattern, handler in self.routes:
            match = pattern.fullmatch(path)
            if route_method == method and match:
                repo = self.repos.get(f"{match['owner']}/{match['name']}")
                if repo is None:
                    reply = Reply(404, {"message": "Not Found"})
                else:
                    # As GitHub, path segments are percent-decoded (a branch `main#x` arrives as `main%23x`).
                    segments = {k: unquote(v) for k, v in match.groupdict().items() if k not in ("owner", "name")}
                    reply = handler(repo, query, body, **segments)
                break
        else:
            reply = Reply(404, {"message": "Not Found"})
        if method == "GET" and reply.status == 200 and reply.text is None:
            tag = '"' + sha1(json.dumps(reply.body, sort_keys=True)) + '"'
            if etag == tag:
                return Reply(304, None, {**rate, "ETag": tag, "X-RateLimit-Remaining": str(self.rate_remaining)})
            reply.headers["ETag"] = tag
        self.rate_remaining -= 1
        reply.headers.update(rate)
        reply.headers["X-RateLimit-Remaining"] = str(self.rate_remaining)
        return reply

    def _logs(self, path: str) -> Reply:
        _, _, owner, name, job = path.split("/")
        log = self.repos[f"{owner}/{name}"].job_logs.get(int(job))
        return Reply(404, {"message": "Not Found"}) if log is None else Reply(200, text=log, chunked=self.chunked_logs)

    def _app_token(self, path: str, auth: str) -> Reply:
        if self.app_public_key is None or not re.fullmatch(r"/app/installations/\d+/access_tokens", path):
            return Reply(404, {"message": "Not Found"})
        try:
            claims = jwt.decode(auth.removeprefix("Bearer "), self.app_public_key, algorithms=["RS256"])
        except jwt.PyJWTError as error:
            return Reply(401, {"message": f"A JSON web token could not be decoded: {error}"})
        if claims.get("iss") != str(self.app_id) or claims["exp"] - claims["iat"] > 600:
            return Reply(401, {"message": "'Issuer' claim ('iss') must be the app id"})
        token = f"ghs_{self.new_id()}"
        self.tokens.add(token)
        expires = datetime.fromtimestamp(time.time() + self.installation_token_lifetime_s, UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        return Reply(201, {"token": token, "expires_at": expires})

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Reply]]]:
        repo = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
        table: list[tuple[str, str, Callable[..., Reply]]] = [
            ("GET", "", self._get_repo),
            ("GET", r"/branches/(?P<branch>.+)", self._get_branch),
            ("GET", "/pulls", self._list_pulls),
            ("GET", r"/pulls/(?P<number>\d+)", self._get_pull),
            ("GET", r"/pulls/(?P<number>\d+)/commits", self._pull_commits),
            ("GET", r"/commits/(?P<sha>\w+)/check-runs", self._commit_check_runs),
            ("GET", r"/commits/(?P<sha>\w+)/status", self._combined_status),
            ("GET", r"/check-runs/(?P<run>\d+)", self._get_check_run),
            ("GET", r"/actions/jobs/(?P<job>\d+)/logs", self._job_logs),
            ("GET", "/actions/runs", self._workflow_runs),
            ("POST", r"/actions/runs/(?P<run>\d+)/rerun-failed-jobs", self._rerun),
            ("GET", r"/issues/(?P<number>\d+)/comments", self._list_comments),
            ("POST", r"/issues/(?P<number>\d+)/comments", self._create_comment),
            ("PATCH", r"/issues/comments/(?P<comment>\d+)", self._edit_comment),
            ("GET", r"/git/commits/(?P<sha>\w+)", self._get_commit),
            ("GET", r"/git/trees/(?P<sha>\w+)", self._get_tree),
            ("GET", r"/git/blobs/(?P<sha>\w+)", self._get_blob),
            ("GET", r"/contents/(?P<path>.+)", self._get_contents),
            ("POST", "/git/blobs", self._create_blob),
            ("POST", "/git/trees", self._create_tree),
            ("POST", "/git/commits", self._create_commit),
            ("PATCH", r"/git/refs/heads/(?P<branch>.+)", self._update_ref),
        ]
        return [(method, re.compile(repo + suffix), handler) for method, suffix, handler in table]

    def _page(self, items: list[Any], query: dict[str, str], path: str) -> tuple[list[Any], dict[str, str]]:
        per_page = min(int(query.get("per_page", 30)), self.per_page_max)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            rest = "&".join(f"{k}={v}" for k, v in query.items() if k != "page")
            headers["Link"] = f'<{self.url}{path}?{rest}&page={page + 1}>; rel="next"'
        return chunk, headers

    def _get_repo(self, repo: FakeRepo, query: dict[str, str], body: Json) -> Reply:
        permissions = {"admin": False, "push": repo.push, "pull": True}
        return Reply(
            200, {"full_name": repo.full_name, "default_branch": repo.default_branch, "permissions": permissions}
        )

    def _get_branch(self, repo: FakeRepo, query: dict[str, str], body: Json, branch: str) -> Reply:
        if branch not in repo.refs:
            return Reply(404, {"message": "Branch not found"})
        protected = branch in repo.protected
        return Reply(200, {"name": branch, "commit": {"sha": repo.refs[branch]}, "protected": protected})

    def _list_pulls(self, repo: FakeRepo, query: dict[str, str], body: Json) -> Reply:
        pulls = [p for _, p in sorted(repo.pulls.items()) if p["state"] == query.get("state", "open")]
        chunk, headers = self._page(pulls, query, f"/repos/{repo.full_name}/pulls")
        return Reply(200, chunk, headers)

    def _get_pull(self, repo: FakeRepo, query: dict[str, str], body: Json, number: str) -> Reply:
        pull = repo.pulls.get(int(number))
        if pull is None:
            return Reply(404, {"message": "Not Found"})
        head_repo = self.repos[pull["head"]["repo"]["full_name"]]
        permissions = {"push": head_repo.push and head_repo is repo}
        return Reply(
            200, {**pull, "head": {**pull["head"], "repo": {**pull["head"]["repo"], "permissions": permissions}}}
        )

    def _pull_commits(self, repo: FakeRepo, query: dict[str, str], body: Json, number: str) -> Reply:
        pull = repo.pulls.get(int(number))
        if pull is None:
            return Reply(404, {"message": "Not Found"})
        source = self.repos[pull["head"]["repo"]["full_name"]]
        base = repo.refs[pull["base"]["ref"]]
        commits: list[dict[str, Any]] = []
        sha = pull["head"]["sha"]
        # First parents back to the base branch's head, oldest first, as GitHub lists them.
        while sha and sha != base and sha in source.commits:
            commits.insert(0, {"sha": sha, "commit": {"message": source.commits[sha]["message"]}})
            parents = source.commits[sha]["parents"]
            sha = parents[0] if parents else ""
        chunk, headers = self._page(commits, query, f"/repos/{repo.full_name}/pulls/{number}/commits")
        return Reply(200, chunk, headers)

    @staticmethod
    def _no_commit(repo: FakeRepo, sha: str) -> Reply | None:
        if sha in repo.vanished:
            return Reply(422, {"message": f"No commit found for SHA: {sha}", "status": "422"})
        return None

    def _commit_check_runs(self, repo: FakeRepo, query: dict[str, str], body: Json, sha: str) -> Reply:
        if refused := self._no_commit(repo, sha):
            return refused
        runs = [run for _, run in sorted(repo.check_runs.items()) if run["head_sha"] == sha]
        chunk, headers = self._page(runs, query, f"/repos/{repo.full_name}/commits/{sha}/check-runs")
        return Reply(200, {"total_count": len(runs), "check_runs": chunk}, headers)

    def _combined_status(self, repo: FakeRepo, query: dict[str, str], body: Json, sha: str) -> Reply:
        if refused := self._no_commit(repo, sha):
            return refused
        statuses = repo.statuses.get(sha, [])
        states = {s["state"] for s in statuses}
        state = (
            "failure"
            if states & {"failure", "error"}
            else ("pending" if "pending" in states or not statuses else "success")
        )
        return Reply(200, {"sha": sha, "state": state, "statuses": statuses, "total_count": len(statuses)})

    def _get_check_run(self, repo: FakeRepo, query: dict[str, str], body: Json, run: str) -> Reply:
        found = repo.check_runs.get(int(run))
        return Reply(200, found) if found else Reply(404, {"message": "Not Found"})

    def _job_logs(self, repo: FakeRepo, query: dict[str, str], body: Json, job: str) -> Reply:
        if int(job) not in repo.job_logs:
            return Reply(404, {"message": "Not Found"})
        return Reply(302, text="", headers={"Location": f"{self.url}/_logs/{repo.full_name}/{job}"})

    def _workflow_runs(self, repo: FakeRepo, query: dict[str, str], body: Json) -> Reply:
        if refused := self._no_commit(repo, query.get("head_sha", "")):
            return refused
        runs = [
            r for _, r in sorted(repo.workflow_runs.items()) if r["head_sha"] == query.get("head_sha", r["head_sha"])
        ]
        return Reply(200, {"total_count": len(runs), "workflow_runs": runs})

    def _rerun(self, repo: FakeRepo, query: dict[str, str], body: Json, run: str) -> Reply:
        repo.reruns.append(int(run))
        return Reply(201, {})

    def _list_comments(self, repo: FakeRepo, query: dict[str, str], body: Json, number: str) -> Reply:
        found = [c for _, c in sorted(repo.comments.items()) if c["issue"] == int(number)]
        chunk, headers = self._page(found, query, f"/repos/{repo.full_name}/issues/{number}/comments")
        return Reply(200, chunk, headers)

    def _create_comment(self, repo: FakeRepo, query: dict[str, str], body: Json, number: str) -> Reply:
        comment = {"id": self.new_id(), "issue": int(number), "body": body["body"]}
        repo.comments[comment["id"]] = comment
        return Reply(201, comment)

    def _edit_comment(self, repo: FakeRepo, query: dict[str, str], body: Json, comment: str) -> Reply:
        found = repo.comments.get(int(comment))
        if found is None:
            return Reply(404, {"message": "Not Found"})
        found["body"] = body["body"]
        return Reply(200, found)

    def _get_commit(self, repo: FakeRepo, query: dict[str, str], body: Json, sha: str) -> Reply:
        commit = repo.commits.get(sha)
        if commit is None:
            return Reply(404, {"message": "Not Found"})
        parents = [{"sha": p} for p in commit["parents"]]
        return Reply(
            200, {"sha": sha, "tree": {"sha": commit["tree"]}, "parents": parents, "message": commit["message"]}
        )

    def _get_tree(self, repo: FakeRepo, query: dict[str, str], body: Json, sha: str) -> Reply:
        tree = repo.trees.get(sha)
        if tree is None:
            return Reply(404, {"message": "Not Found"})
        entries = [
            {"path": p, "mode": m, "type": "blob", "sha": s, "size": len(repo.blobs[s])}
            for p, (m, s) in sorted(tree.items())
        ]
        return Reply(200, {"sha": sha, "tree": entries, "truncated": False})

    def _get_blob(self, repo: FakeRepo, query: dict[str, str], body: Json, sha: str) -> Reply:
        content = repo.blobs.get(sha)
        if content is None:
            return Reply(404, {"message": "Not Found"})
        return Reply(200, {"sha": sha, "content": base64.b64encode(content).decode(), "encoding": "base64"})

    def _get_contents(self, repo: FakeRepo, query: dict[str, str], body: Json, path: str) -> Reply:
        ref = query.get("ref", repo.default_branch)
        commit = repo.commits.get(repo.refs.get(ref, ref))
        entry = repo.trees[commit["tree"]].get(path) if commit else None
        if entry is None:
            return Reply(404, {"message": "Not Found"})
        content = repo.blobs[entry[1]]
        return Reply(
            200,
            {
                "type": "file",
                "path": path,
                "sha": entry[1],
                "size": len(content),
                "encoding": "base64",
                "content": base64.b64encode(content).decode(),
            },
        )

    def _create_blob(self, repo: FakeRepo, query: dict[str, str], body: Json) -> Reply:
        content = base64.b64decode(body["content"]) if body.get("encoding") == "base64" else body["content"].encode()
        return Reply(201, {"sha": repo.blob(content)})

    def _create_tree(self, repo: FakeRepo, query: dict[str, str], body: Json) -> Reply:
        entries = dict(repo.trees[body["base_tree"]]) if body.get("base_tree") else {}
        for entry in body["tree"]:
            if entry["sha"] is None:
                entries.pop(entry["path"], None)
            else:
                entries[entry["path"]] = (entry["mode"], entry["sha"])
        return Reply(201, {"sha": repo.tree(entries)})

    def _create_commit(self, repo: FakeRepo, query: dict[str, str], body: Json) -> Reply:
        if body["tree"] not in repo.trees or any(p not in repo.commits for p in body["parents"]):
            return Reply(422, {"message": "Tree or parent does not exist"})
        return Reply(201, {"sha": repo.commit(body["tree"], body["parents"], body["message"])})

    def _update_ref(self, repo: FakeRepo, query: dict[str, str], body: Json, branch: str) -> Reply:
        if not repo.push:
            return Reply(403, {"message": "Resource not accessible by integration"})
        current = repo.refs.get(branch)
        new = body["sha"]
        if current is None or new not in repo.commits:
            return Reply(422, {"message": "Reference does not exist"})
        if not body.get("force") and current not in repo.commits[new]["parents"]:
            return Reply(422, {"message": "Update is not a fast forward"})
        repo.refs[branch] = new
        for owner in self.repos.values():
            for pull in owner.pulls.values():
                if pull["head"]["repo"]["full_name"] == repo.full_name and pull["head"]["ref"] == branch:
                    pull["head"]["sha"] = new
        return Reply(200, {"ref": f"refs/heads/{branch}", "object": {"sha": new, "type": "commit"}})


@contextmanager
def running() -> Iterator[FakeGitHub]:
    fake = FakeGitHub().start()
    try:
        yield fake
    finally:
        fake.stop()
