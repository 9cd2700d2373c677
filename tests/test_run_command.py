"""The README's run command: workers, beat, Flower, the exporter and the console come up; Ctrl-C stops them all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import httpx

from tests.harness.clients import client_app
from tests.harness.services import RedisServer, free_port
from tests.harness.workers import wait_for

ROOT = Path(__file__).resolve().parent.parent


def test_scripts_run_brings_up_workers_beat_flower_the_console_and_the_exporter(run_dir: Path) -> None:
    redis = RedisServer(run_dir / "run-command-redis").start()
    port, console_port, exporter_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "TASKS_REDIS_URL": redis.url,
        "TASKS_FLOWER__PORT": str(port),
        "TASKS_CONSOLE__PORT": str(console_port),
        "TASKS_METRICS__EXPORTER_PORT": str(exporter_port),
        "TASKS_DATA_DIR": str(run_dir / "run-command"),
    }
    log = run_dir / "run-command.log"
    with log.open("w") as output:
        run = subprocess.Popen(
            [str(ROOT / "scripts" / "run")], env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    client = client_app(redis_url=redis.url)
    try:
        wait_for(lambda: bool(client.control.ping(timeout=1)), timeout_s=120, what="a worker answering ping")
        wait_for(lambda: "beat: Acquired lock" in log.read_text(), timeout_s=60, what="beat leading")

        def answers(at: int) -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{at}/healthcheck", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(lambda: answers(port), timeout_s=60, what="Flower answering")
        wait_for(lambda: answers(console_port), timeout_s=60, what="the console answering")
        metrics = httpx.get(f"http://127.0.0.1:{exporter_port}/metrics", timeout=30)
        assert metrics.status_code == 200 and "tasks_queue_length" in metrics.text
        assert client.send_task("health.check_dependencies").get(timeout=30)["checks"]["workers"]["status"] == "healthy"
    finally:
        os.killpg(run.pid, signal.SIGINT)
        code = run.wait(60)
        redis.stop()
    assert code in (0, 130, -signal.SIGINT), log.read_text()[-3000:]
    pids = [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", log.read_text())]
    assert len(pids) == 6
    wait_for(
        lambda: not any(alive(pid) for pid in pids),
        timeout_s=30,
        what="workers, beat, Flower, console, exporter stopped",
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
