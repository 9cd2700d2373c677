"""Real services for the tests: the running Redis (one claimed DB) or a private redis-server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis

#: Databases a test session may claim on a shared Redis (0 is left to development).
TEST_DATABASES = range(1, 16)
CLAIM_TTL_S = 4 * 3600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@dataclass
class RedisServer:
    """A redis-server of the test's own, on a free loopback port, data in a temporary folder.

    `appendonly` keeps an append-only file (`appendfsync everysec`) in the folder, so a
    `restart()` on the same port and folder gets back what was written more than a second ago.
    """

    folder: Path
    port: int = field(default_factory=free_port)
    appendonly: bool = False
    #: `requirepass`: clients must send it (in the URL's user-info).
    password: str | None = None
    #: The port of a master (on 127.0.0.1, with the same password) this server replicates.
    replica_of: int | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def command(self, binary: str) -> list[str]:
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "everysec"] if self.appendonly else ["--appendonly", "no"]
        )
        return [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            *persistence,
            "--dir",
            str(self.folder),
            "--logfile",
            str(self.folder / "redis.log"),
            *(["--requirepass", self.password, "--masterauth", self.password] if self.password else []),
            *(["--replicaof", "127.0.0.1", str(self.replica_of)] if self.replica_of else []),
        ]

    def start(self, timeout_s: float = 10) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: apt-get install redis-server")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(self.command(binary))
        deadline = time.monotonic() + timeout_s
        while not answers(self.url):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        """SIGKILL the server, as a crashed host would: only what reached the disk survives."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def restart(self, down_s: float = 0.0) -> None:
        """Kill the server, stay away `down_s`, start it again on the same port and folder."""
        self.kill()
        time.sleep(down_s)
        self.start(timeout_s=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@dataclass
class SentinelServer:
    """A `redis-server --sentinel` of the test's own monitoring one master, its config in `folder`.

    It needs a password of its own (`requirepass`) and logs in to the master with the master's.
    """

    folder: Path
    master: RedisServer
    master_name: str = "platform"
    password: str | None = None
    #: How long the master may not answer before this sentinel fails it over.
    down_after_ms: int = 5000
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        """The platform's `sentinel://` URL: the master's password, this sentinel's address."""
        auth = f":{self.master.password}@" if self.master.password else ""
        return f"sentinel://{auth}127.0.0.1:{self.port}/{db}"

    def config(self) -> str:
        lines = [
            f"port {self.port}",
            "bind 127.0.0.1",
            f'dir "{self.folder}"',
            f'logfile "{self.folder / "sentinel.log"}"',
            f"sentinel monitor {self.master_name} 127.0.0.1 {self.master.port} 1",
            f"sentinel down-after-milliseconds {self.master_name} {self.down_after_ms}",
            f"sentinel failover-timeout {self.master_name} 5000",
        ]
        if self.master.password:
            lines.append(f"sentinel auth-pass {self.master_name} {self.master.password}")
        if self.password:
            lines.append(f"requirepass {self.password}")
        return "\n".join(lines) + "\n"

    def start(self, timeout_s: float = 10) -> SentinelServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: apt-get install redis-server")
        self.folder.mkdir(parents=True, exist_ok=True)
        # Sentinel rewrites its config file as it learns: it must be a writable file of its own.
        config = self.folder / "sentinel.conf"
        config.write_text(self.config())
        self.process = subprocess.Popen([binary, str(config), "--sentinel"])
        client = redis.Redis(port=self.port, password=self.password, socket_timeout=1, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.master_name):
                    return self
            except redis.RedisError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"sentinel on port {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@dataclass
class ClaimedDatabase:
    """One database of a shared Redis, claimed for this test session and emptied."""

    base_url: str  # redis://host:port, no database
    db: int

    @property
    def url(self) -> str:
        return f"{self.base_url}/{self.db}"

    def release(self) -> None:
        client = redis.Redis.from_url(self.url)
        client.flushdb()
        client.connection_pool.disconnect()
        redis.Redis.from_url(self.base_url).delete(claim_key(self.db))


def claim_key(db: int) -> str:
    return f"tasks-test:claim:{db}"


def claim_database(base_url: str) -> ClaimedDatabase:
    control = redis.Redis.from_url(base_url)
    for db in TEST_DATABASES:
        if control.set(claim_key(db), os.getpid(), nx=True, ex=CLAIM_TTL_S):
            claimed = ClaimedDatabase(base_url, db)
            redis.Redis.from_url(claimed.url).flushdb()
            return claimed
    raise RuntimeError(f"every test database of {base_url} is claimed by another run")


def amqp_answers(host: str = "127.0.0.1", port: int = 5672) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def rabbit_vhost() -> str:
    """A fresh virtual host, so concurrent test runs never consume each other's queues."""
    vhost = f"tasks-test-{uuid.uuid4().hex[:8]}"
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None:
        raise RuntimeError("rabbitmqctl is needed to create an isolated virtual host")
    subprocess.run([rabbitmqctl, "add_vhost", vhost], check=True, capture_output=True, timeout=60)
    subprocess.run(
        [rabbitmqctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return vhost


def drop_rabbit_vhost(vhost: str) -> None:
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is not None:
        subprocess.run([rabbitmqctl, "delete_vhost", vhost], capture_output=True, timeout=60)


#: The shared Redis a test or benchmark run claims a database of, when it answers.
SHARED_REDIS = "redis://127.0.0.1:6379"


def redis_for_run(folder: Path, base_url: str | None = None) -> tuple[str, Callable[[], None]]:
    """A Redis URL of this run's own and the call that gives it back.

    A claimed database of the shared Redis (`TASKS_TEST_REDIS_URL`, else 127.0.0.1:6379)
    when it answers, else a private redis-server with its data in `folder`.
    """
    base = (base_url or os.environ.get("TASKS_TEST_REDIS_URL", SHARED_REDIS)).rstrip("/")
    if answers(base):
        claimed = claim_database(base)
        return claimed.url, claimed.release
    server = RedisServer(folder / "redis").start()
    return server.url, server.stop


def platform_env(folder: Path, redis_url: str, **overrides: str) -> dict[str, str]:
    """This process's environment with the platform's settings replaced by a run's own.

    Every inherited TASKS_* variable is dropped; state goes under `folder`; the embedder is
    the dependency-free one and no metrics port is opened, unless `overrides` say otherwise.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("TASKS_")}
    env.update(
        {
            "TASKS_ENVIRONMENT": "test",
            "TASKS_REDIS_URL": redis_url,
            "TASKS_DATA_DIR": str(folder / "var"),
            "TASKS_UPLOAD__STORAGE_ROOT": str(folder / "uploads"),
            "TASKS_UPLOAD__EMBEDDER": "hashing",
            "TASKS_METRICS__PORT": "0",
        }
    )
    env.update(overrides)
    return env
