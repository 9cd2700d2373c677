"""A fake AWS front door before moto: counts calls, throttles, refuses keys, holds requests."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.harness import loopback
from tests.harness.services import free_port

#: How long a held request waits at most before it is dropped anyway.
HOLD_LIMIT_S = 120.0
CREDENTIAL = re.compile(r"Credential=([^/]+)/")


@dataclass
class FaultPlan:
    """What the proxy does instead of forwarding, per DynamoDB operation."""

    faults: dict[str, list[str]] = field(default_factory=dict)
    refused_keys: set[str] = field(default_factory=set)
    held: set[str] = field(default_factory=set)
    rewrites: dict[str, list[Callable[[dict[str, Any]], dict[str, Any]]]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    faulted: Counter[str] = field(default_factory=Counter)


class AwsProxy:
    """An HTTP proxy on 127.0.0.1 that forwards DynamoDB calls to `upstream` unless told otherwise."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.plan = FaultPlan()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> AwsProxy:
        loopback.serve(self.server)
        return self

    def stop(self) -> None:
        self.release.set()
        loopback.close(self.server)

    def reset(self) -> None:
        self.release.set()
        with self.lock:
            self.plan = FaultPlan()
        self.release = threading.Event()

    def fail(self, operation: str, code: str, times: int) -> None:
        """Answer the next `times` calls of `operation` with the error `code` (HTTP 400)."""
        with self.lock:
            self.plan.faults.setdefault(operation, []).extend([code] * times)

    def hold(self, operation: str) -> None:
        """Never answer `operation` (until reset): a call that hangs while its caller holds the lock."""
        self.plan.held.add(operation)

    def rewrite(self, operation: str, change: Callable[[dict[str, Any]], dict[str, Any]], times: int) -> None:
        """Pass the next `times` answers to `operation` through `change` (e.g. an index still CREATING)."""
        with self.lock:
            self.plan.rewrites.setdefault(operation, []).extend([change] * times)

    def refuse_key(self, access_key_id: str) -> None:
        self.plan.refused_keys.add(access_key_id)

    def _decide(self, operation: str, access_key: str) -> str | None:
        with self.lock:
            self.plan.calls[operation] += 1
            if access_key in self.plan.refused_keys:
                return "UnrecognizedClientException"
            queued = self.plan.faults.get(operation)
            if queued:
                self.plan.faulted[operation] += 1
                return queued.pop(0)
        return None

    def _rewrite(self, operation: str, status: int, body: bytes) -> bytes | None:
        with self.lock:
            queued = self.plan.rewrites.get(operation)
            change = queued.pop(0) if queued and status == 200 else None
        return None if change is None else json.dumps(change(json.loads(body))).encode()

    def _forward(self, body: bytes, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=30)
        try:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                match = CREDENTIAL.search(self.headers.get("Authorization", ""))
                if operation in proxy.plan.held:
                    proxy.release.wait(HOLD_LIMIT_S)
                    self.close_connection = True
                    return
                code = proxy._decide(operation, match.group(1) if match else "")
                if code is not None:
                    payload = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": code})
                    self._reply(400, [("Content-Type", "application/x-amz-json-1.0")], payload.encode())
                    return
                headers = {name: value for name, value in self.headers.items() if name.lower() != "host"}
                status, response_headers, response_body = proxy._forward(body, headers)
                dropped = {"connection", "transfer-encoding"}
                changed = proxy._rewrite(operation, status, response_body)
                if changed is not None:
                    # The checksum was the original body's.
                    response_body, dropped = changed, dropped | {"x-amz-crc32"}
                kept = [(n, v) for n, v in response_headers if n.lower() not in dropped]
                self._reply(status, kept, response_body)

            def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
