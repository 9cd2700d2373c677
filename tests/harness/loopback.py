"""Threaded HTTP servers on 127.0.0.1 for the fakes the tests talk to (GitHub, OpenAI, webhooks, AWS)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import TypeVar

Server = TypeVar("Server", bound=ThreadingHTTPServer)


def serve(server: Server) -> Server:
    """Serve from a daemon thread; handler threads are daemons too, so a hung client never blocks the exit."""
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def close(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


@contextmanager
def moto_server() -> Iterator[str]:
    """moto in server mode on a free loopback port; yields its URL."""
    from moto.server import ThreadedMotoServer

    from tests.harness.services import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
