"""The GitHub REST client.

Built on httpx rather than PyGithub or githubkit: the tasks need requests that
never block on a rate limit (PyGithub sleeps through it, which would hold a
worker process for up to an hour) and an ETag cache shared by every worker in
Redis (the SDKs keep theirs per process, or none). httpx gives the rest: a
timeout on every request, pooled keep-alive connections, redirects that drop
the Authorization header when they leave the API's origin.
"""

from __future__ import annotations

import collections
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from tasks.github import etags, ratelimit
from tasks.github.auth import Credentials, credentials_from
from tasks.github.errors import GitHubRequestError, GitHubUnavailable, LogTooLarge, NotFound, RateLimited
from tasks.settings import GitHubSettings

#: Items per page: GitHub's maximum, so a repository's open pull requests usually fit one request.
PER_PAGE = 100
#: Job logs can be huge; the failure is at the end, so only this much of the tail is kept.
MAX_LOG_BYTES = 2 * 1024 * 1024
API_VERSION = "2022-11-28"


@dataclass(frozen=True)
class Answer:
    data: Any
    #: GitHub answered 304: `data` is the body kept with the ETag, unchanged since.
    not_modified: bool
    link: str


class GitHubClient:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        timeout_s: float,
        *,
        log_max_download_bytes: int = 64 * 1024 * 1024,
        log_download_timeout_s: float = 60.0,
    ):
        self.credentials = credentials
        self.log_max_download_bytes = log_max_download_bytes
        self.log_download_timeout_s = log_download_timeout_s
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            timeout=timeout_s,
            follow_redirects=True,
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "tasks-platform-pr-monitor",
            },
        )

    def close(self) -> None:
        self.http.close()

    def _post_unauthenticated(self, path: str, authorization: str) -> dict[str, Any]:
        response = self._send("POST", path, headers={"Authorization": authorization})
        data: dict[str, Any] = response.json()
        return data

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        ratelimit.raise_if_blocked()
        request = self.http.build_request(method, url.lstrip("/"), params=params, json=json_body, headers=headers)
        try:
            response = self.http.send(request)
        except httpx.TimeoutException as error:
            raise GitHubUnavailable(f"{method} {request.url.path}: timed out ({type(error).__name__})") from None
        except httpx.TransportError as error:
            raise GitHubUnavailable(f"{method} {request.url.path}: {type(error).__name__}") from None
        return self._check(method, request.url.path, response)

    def _check(self, method: str, path: str, response: httpx.Response) -> httpx.Response:
        now = time.time()
        status = response.status_code
        if status == 304 or 200 <= status < 300:
            wait_s = ratelimit.exhausted_wait_s(response.headers, now)
            if wait_s is not None:
                ratelimit.block_for(wait_s)
            return response
        text = response.text
        wait_s = ratelimit.limit_wait_s(status, response.headers, text, now)
        if wait_s is not None:
            ratelimit.block_for(wait_s)
            raise RateLimited(
                f"{method} {path}: rate limited ({status}), retry in {wait_s:.0f} s", retry_after_s=wait_s
            )
        message = f"{method} {path}: {status} {_github_message(text)}"
        if status == 404:
            raise NotFound(f"{message} (it does not exist, or these credentials cannot see it)", status=status)
        if status >= 500:
            raise GitHubUnavailable(message)
        raise GitHubRequestError(message, status=status)

    def _authorized(self, headers: dict[str, str] | None = None) -> dict[str, str]:
        merged = dict(headers or {})
        merged["Authorization"] = self.credentials.authorization(self._post_unauthenticated)
        return merged

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json_body: Any = None) -> Any:
        response = self._send(method, path, params=params, json_body=json_body, headers=self._authorized())
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get(self, path: str, params: dict[str, Any] | None = None, *, conditional: bool = True) -> Answer:
        """A conditional GET: answered from the ETag cache when GitHub says 304.

        `conditional=False` sends no `If-None-Match` (the kept body is not trusted); the answer's ETag is still kept.
        """
        url = str(self.http.build_request("GET", path.lstrip("/"), params=params).url)
        cached = etags.load(url) if conditional else None
        headers = {"If-None-Match": cached.etag} if cached else {}
        response = self._send("GET", url, headers=self._authorized(headers))
        if response.status_code == 304 and cached is not None:
            etags.touch(url)
            return Answer(json.loads(cached.body), not_modified=True, link=cached.link)
        link = response.headers.get("link", "")
        etag = response.headers.get("etag")
        if etag:
            etags.store(url, etags.Cached(etag=etag, body=response.text, link=link))
        return Answer(response.json(), not_modified=False, link=link)

    def get_all(
        self, path: str, params: dict[str, Any] | None = None, *, conditional: bool = True
    ) -> tuple[list[Any], bool]:
        """Every page of a list (conditional GETs unless `conditional=False`); True when no page changed."""
        url: str | None = path
        query: dict[str, Any] | None = {**(params or {}), "per_page": PER_PAGE}
        items: list[Any] = []
        unchanged = True
        while url is not None:
            answer = self.get(url, query, conditional=conditional)
            page = answer.data
            if isinstance(page, dict):
                # Check runs and workflow runs come wrapped: {"total_count", "check_runs": [...]}.
                page = next(value for name, value in page.items() if isinstance(value, list))
            items.extend(page)
            unchanged = unchanged and answer.not_modified
            url = _next_link(answer.link)
            query = None
        return items, unchanged

    def get_text(self, path: str) -> str:
        """A text download (job logs), following the redirect to storage; only the tail is kept.

        Reading stops with LogTooLarge past `log_max_download_bytes` or `log_download_timeout_s`:
        a log's failure is at its end, which such a download would take too long to reach.
        """
        request = self.http.build_request("GET", path.lstrip("/"), headers=self._authorized())
        ratelimit.raise_if_blocked()
        tail: collections.deque[bytes] = collections.deque()
        size = read = 0
        deadline = time.monotonic() + self.log_download_timeout_s
        try:
            response = self.http.send(request, stream=True)
            try:
                if response.status_code >= 300:
                    response.read()
                    self._check("GET", request.url.path, response)
                declared = int(response.headers.get("content-length") or 0)
                if declared > self.log_max_download_bytes:
                    raise LogTooLarge(f"{declared} bytes, more than {self.log_max_download_bytes}")
                for chunk in response.iter_bytes():
                    read += len(chunk)
                    if read > self.log_max_download_bytes:
                        raise LogTooLarge(f"more than {self.log_max_download_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise LogTooLarge(f"not read within {self.log_download_timeout_s:g} s")
                    tail.append(chunk)
                    size += len(chunk)
                    while size - len(tail[0]) >= MAX_LOG_BYTES:
                        size -= len(tail.popleft())
            finally:
                response.close()
        except httpx.TransportError as error:
            raise GitHubUnavailable(f"GET {request.url.path}: {type(error).__name__}") from None
        return b"".join(tail)[-MAX_LOG_BYTES:].decode("utf-8", errors="replace")


def _next_link(link: str) -> str | None:
    for part in link.split(","):
        section = part.split(";")
        if len(section) >= 2 and any(s.strip() == 'rel="next"' for s in section[1:]):
            return section[0].strip().strip("<>")
    return None


def _github_message(text: str) -> str:
    try:
        body = json.loads(text)
    except ValueError:
        return text[:200]
    return str(body.get("message", ""))[:200] if isinstance(body, dict) else text[:200]


#: The process's client and the settings it was built from.
_process_client: tuple[GitHubSettings, GitHubClient] | None = None


def get_client(settings: GitHubSettings) -> GitHubClient:
    """The process's client, built from `settings` on first use (after the worker forks)."""
    global _process_client
    if _process_client is None or _process_client[0] != settings:
        client = GitHubClient(
            str(settings.api_url),
            credentials_from(settings),
            settings.request_timeout_s,
            log_max_download_bytes=settings.log_max_download_bytes,
            log_download_timeout_s=settings.log_download_timeout_s,
        )
        _process_client = (settings, client)
    return _process_client[1]
