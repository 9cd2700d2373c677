"""A fake OpenAI-compatible server on 127.0.0.1: `/v1/embeddings` and `/v1/chat/completions`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tasks.upload.embedding.hashing import HashingEmbedder
from tests.harness import loopback


@dataclass
class FakeOpenAI:
    #: Requests answered 429 before the server starts answering.
    throttle_first: int = 0
    #: Seconds each embeddings request waits before its answer: a slow endpoint.
    embedding_delay_s: float = 0.0
    #: When set, the content of every chat answer (a fix model's reply); else questions about the passage.
    chat_reply: str | None = None
    #: Answered to every chat request instead of a reply while not 200 (503: unavailable).
    chat_status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def prompt(self, index: int = -1) -> str:
        """The last message of a chat request."""
        return str(self.requests[index]["body"]["messages"][-1]["content"])

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                if len(fake.requests) <= fake.throttle_first:
                    self._send(429, {"error": "slow down"}, {"Retry-After": "0"})
                elif self.path == "/v1/embeddings":
                    time.sleep(fake.embedding_delay_s)
                    vectors = HashingEmbedder().embed(list(body["input"]))
                    data = [{"index": i, "embedding": vector} for i, vector in enumerate(vectors)]
                    self._send(200, {"data": data, "model": body["model"]})
                elif self.path == "/v1/chat/completions" and fake.chat_status != 200:
                    self._send(fake.chat_status, {"error": "unavailable"})
                elif self.path == "/v1/chat/completions" and fake.chat_reply is not None:
                    message = {"role": "assistant", "content": fake.chat_reply}
                    self._send(200, {"choices": [{"index": 0, "message": message}], "model": body["model"]})
                elif self.path == "/v1/chat/completions":
                    passage = body["messages"][0]["content"].split("Passage:\n", 1)[1]
                    reply = f"1. What does the passage say about {passage.split()[0]}?\n2. Why does it matter?\n"
                    self._send(200, {"choices": [{"message": {"role": "assistant", "content": reply}}]})
                else:
                    self._send(404, {"error": "no such endpoint"})

            def _send(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = loopback.serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        return self

    def stop(self) -> None:
        if self.server is not None:
            loopback.close(self.server)
