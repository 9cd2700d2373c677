"""The Chroma server client's token, tenant and database, against a real `chroma run`.

chromadb 1.5's server (Rust) enforces no authentication: `CHROMA_SERVER_AUTHN_*` are ignored
there (checked below), so a token is for the proxy a deployment puts in front of it. Here
that proxy is a loopback one that refuses any request without the token and forwards the
rest to the real server, which keeps the collections in the configured tenant and database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from celery import Celery

from tests.harness.loopback import close, serve
from tests.upload.chroma_server import ChromaServer
from tests.upload.helpers import INGEST_TIMEOUT_S, submit

TOKEN = "chroma-token-7d1f09a2"
TENANT, DATABASE = "acme-tenant", "acme-docs"


class TokenProxy(ThreadingHTTPServer):
    """Forwards to `upstream` only the requests carrying `header: value`; answers 401 to the rest."""

    def __init__(self, upstream: str, header: str, value: str) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream, self.header, self.value = upstream, header, value
        self.refused: list[str] = []
        self.forwarded: list[str] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ProxyHandler(BaseHTTPRequestHandler):
    server: TokenProxy

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            allowed = self.headers.get(self.server.header) == self.server.value
            (self.server.forwarded if allowed else self.server.refused).append(self.path)
        if not allowed:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
        answer = httpx.request(self.command, self.server.upstream + self.path, content=body, headers=headers)
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_DELETE = _forward


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma").start()
    with httpx.Client(base_url=f"{server.url}/api/v2") as admin:
        admin.post("/tenants", json={"name": TENANT}).raise_for_status()
        admin.post(f"/tenants/{TENANT}/databases", json={"name": DATABASE}).raise_for_status()
    yield server
    server.stop()


def collections(chroma: ChromaServer, tenant: str, database: str) -> list[str]:
    answer = httpx.get(f"{chroma.url}/api/v2/tenants/{tenant}/databases/{database}/collections")
    answer.raise_for_status()
    return [entry["name"] for entry in answer.json()]


@pytest.mark.parametrize(("header", "sent"), [("Authorization", f"Bearer {TOKEN}"), ("X-Chroma-Token", TOKEN)])
def test_uploads_reach_the_configured_tenant_and_database_with_the_token(
    chroma: ChromaServer,
    isolated_worker: Callable[..., Celery],
    folder: Path,
    collection: str,
    header: str,
    sent: str,
) -> None:
    proxy = serve(TokenProxy(chroma.url, header, sent))
    try:
        client = isolated_worker(
            {
                "TASKS_UPLOAD__CHROMA_URL": proxy.url,
                "TASKS_UPLOAD__CHROMA_TOKEN": TOKEN,
                "TASKS_UPLOAD__CHROMA_TOKEN_HEADER": header,
                "TASKS_UPLOAD__CHROMA_TENANT": TENANT,
                "TASKS_UPLOAD__CHROMA_DATABASE": DATABASE,
            }
        )
        (folder / "doc.txt").write_text("Glaciers carve valleys over thousands of years. " * 5)

        result = submit(client, source=str(folder / "doc.txt"), collection=collection).get(timeout=INGEST_TIMEOUT_S)
    finally:
        close(proxy)

    assert result["status"] == "completed"
    assert any(name.startswith(f"docs-{collection}") for name in collections(chroma, TENANT, DATABASE))
    assert not any(collection in name for name in collections(chroma, "default_tenant", "default_database"))
    assert proxy.refused == []
    assert any(f"/tenants/{TENANT}/databases/{DATABASE}/collections" in path for path in proxy.forwarded)


def test_a_request_without_the_token_is_refused_by_the_proxy(chroma: ChromaServer) -> None:
    from pydantic import AnyHttpUrl, SecretStr

    from tasks.upload import vector_store
    from tasks.upload.errors import VectorStoreUnavailable

    proxy = serve(TokenProxy(chroma.url, "X-Chroma-Token", TOKEN))
    store = vector_store.Store(
        AnyHttpUrl(proxy.url), Path("unused"), Path("unused"), token=SecretStr("wrong"), token_header="X-Chroma-Token"
    )
    try:
        with pytest.raises(VectorStoreUnavailable, match="Chroma refused the client") as caught:
            vector_store.ping(store)
    finally:
        vector_store.reset_server_client()
        close(proxy)

    assert proxy.forwarded == []
    assert proxy.refused
    assert "TASKS_UPLOAD__CHROMA_TOKEN" in str(caught.value)


def test_the_server_itself_enforces_no_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Why the proxy: chromadb 1.5's `chroma run` ignores the legacy Python server's auth settings."""
    monkeypatch.setenv("CHROMA_SERVER_AUTHN_PROVIDER", "chromadb.auth.token_authn.TokenAuthenticationServerProvider")
    monkeypatch.setenv("CHROMA_SERVER_AUTHN_CREDENTIALS", TOKEN)
    server = ChromaServer(tmp_path / "open").start()
    try:
        answer = httpx.get(f"{server.url}/api/v2/tenants/default_tenant/databases/default_database/collections")
    finally:
        server.stop()

    assert os.environ["CHROMA_SERVER_AUTHN_CREDENTIALS"] == TOKEN
    assert answer.status_code == 200
