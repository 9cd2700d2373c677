"""Print shell exports for a Redis that answers: TASKS_REDIS_URL's, or a local redis-server started here.

Used by scripts/run; the local server keeps its data in TASKS_DATA_DIR/redis and binds to loopback.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

DEFAULT_URL = "redis://localhost:6379/0"


def answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> int:
    url = os.environ.get("TASKS_REDIS_URL", DEFAULT_URL)
    if answers(url):
        print(f"export TASKS_REDIS_URL={shlex.quote(url)}")
        return 0
    binary = shutil.which("redis-server")
    if binary is None:
        print(
            f"echo 'No Redis answers at {url} and redis-server is not installed: "
            "install it (apt-get install redis-server, brew install redis) or set TASKS_REDIS_URL.' >&2; exit 1"
        )
        return 0
    folder = Path(os.environ.get("TASKS_DATA_DIR", "var")) / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    port = 6379 if port_free(6379) else free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder.resolve()), "--appendonly", "yes"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    local = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not answers(local):
        if time.monotonic() > deadline or process.poll() is not None:
            print(f"echo 'redis-server did not start on port {port}' >&2; exit 1")
            return 0
        time.sleep(0.1)
    print(f"export TASKS_REDIS_URL={shlex.quote(local)} REDIS_PID={process.pid}")
    print(f"echo 'Started a local redis-server on {local} (data in {folder})' >&2")
    return 0


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


if __name__ == "__main__":
    sys.exit(main())
