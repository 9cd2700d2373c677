"""A fake OpenAI-compatible chat endpoint on 127.0.0.1 that answers what the test sets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.harness import loopback


@dataclass
class FakeModel:
    #: The assistant's message content of every answer.
    reply: str = ""
    #: Answered instead of a reply while set: 503 makes the endpoint unavailable.
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def prompt(self, index: int = -1) -> str:
        """The user message of a request."""
        return str(self.requests[index]["body"]["messages"][-1]["content"])

    def start(self) -> FakeModel:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                if self.path != "/v1/chat/completions":
                    self._send(404, {"error": "no such endpoint"})
                elif fake.status != 200:
                    self._send(fake.status, {"error": "unavailable"})
                else:
                    message = {"role": "assistant", "content": fake.reply}
                    self._send(200, {"choices": [{"index": 0, "message": message}], "model": body["model"]})

            def _send(self, status: int, document: Any) -> None:
                payload = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = loopback.serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        return self

    def stop(self) -> None:
        if self.server is not None:
            loopback.close(self.server)
