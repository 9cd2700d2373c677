"""Ensuring and validating DynamoDB tables against moto's server: wall time and AWS calls.

    .venv/bin/python bench/infra_ensure.py [--tables 20] [--indexes 3]

In this process, through the same code the tasks run, over HTTP to a private moto
server: ensure a fresh environment of N tables x M GSIs (with TTL and point-in-time
recovery), validate it unchanged, and ensure it unchanged (the scheduled self-healing
run). Prints wall time and AWS calls per operation. Target: validating an unchanged
environment makes one DescribeTable, one DescribeTimeToLive and one
DescribeContinuousBackups per table, and no write.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import redis
from moto.server import ThreadedMotoServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.infra.ensure import EnsureOptions, ensure_environment
from tasks.infra.run import RunContext
from tasks.infra.specs import IndexSpec, TableSet, TableSpec
from tasks.infra.validate import drift_report
from tasks.settings import InfraSettings
from tests.harness import services

ENVIRONMENT = "dev"
#: Operations that change something.
WRITES = {"CreateTable", "UpdateTable", "DeleteTable", "UpdateTimeToLive", "UpdateContinuousBackups", "TagResource"}


def table_set(tables: int, indexes: int) -> TableSet:
    specs = []
    for number in range(tables):
        keys = [f"k{i}" for i in range(indexes)]
        specs.append(
            TableSpec(
                name=f"bench{number:02d}",
                attributes={"id": "S", **dict.fromkeys(keys, "S")},
                partition_key="id",
                indexes=tuple(IndexSpec(name=f"{key}-index", partition_key=key) for key in keys),
                ttl_attribute="expires_at",
                point_in_time_recovery=True,
            )
        )
    return TableSet(tables=tuple(specs))


def redis_client(folder: Path) -> tuple[redis.Redis, Callable[[], None]]:
    url, release = services.redis_for_run(folder)
    return redis.Redis.from_url(url, decode_responses=True), release


def measure(calls: Counter[str], action: Callable[[], Any]) -> tuple[float, Counter[str], Any]:
    calls.clear()
    start = time.perf_counter()
    outcome = action()
    return time.perf_counter() - start, Counter(calls), outcome


def report(label: str, seconds: float, calls: Counter[str]) -> None:
    writes = sum(count for name, count in calls.items() if name in WRITES)
    detail = ", ".join(f"{name} {count}" for name, count in sorted(calls.items()))
    print(f"{label:28} {seconds:7.3f} s  {sum(calls.values()):5} calls  {writes:4} writes  ({detail})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=20)
    parser.add_argument("--indexes", type=int, default=3)
    args = parser.parse_args()
    port = services.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with tempfile.TemporaryDirectory() as folder:
        client_redis, release = redis_client(Path(folder))
        try:
            return run(args.tables, args.indexes, f"http://127.0.0.1:{port}", client_redis)
        finally:
            release()
            server.stop()


def run(tables: int, indexes: int, endpoint: str, client_redis: redis.Redis) -> int:
    client = boto3.session.Session().client(
        "dynamodb", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="x"
    )
    calls: Counter[str] = Counter()
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.update([model.name]))
    specs = table_set(tables, indexes)
    context = RunContext(client=client, redis=client_redis, settings=InfraSettings(), run_id="bench", owner="bench")

    def ensure() -> Any:
        return ensure_environment(context, ENVIRONMENT, specs, EnsureOptions())

    print(f"{tables} tables x {indexes} GSIs, moto server at {endpoint}")
    fresh_s, fresh_calls, fresh = measure(calls, ensure)
    validate_s, validate_calls, validation = measure(calls, lambda: drift_report(client, ENVIRONMENT, specs))
    steady_s, steady_calls, steady = measure(calls, ensure)
    report("ensure, fresh environment", fresh_s, fresh_calls)
    report("validate, unchanged", validate_s, validate_calls)
    report("ensure, unchanged", steady_s, steady_calls)
    print(f"validate unchanged / ensure fresh wall time: {validate_s / fresh_s:.2f}")
    target = Counter({"DescribeTable": tables, "DescribeTimeToLive": tables, "DescribeContinuousBackups": tables})
    met = validate_calls == target and validation["valid"]
    print(f"target (validate unchanged = {sum(target.values())} reads, 0 writes): {'met' if met else 'MISSED'}")
    ok = fresh.valid and len(fresh.tables_created) == tables and steady.valid and not steady.tables_created
    return 0 if met and ok else 1


if __name__ == "__main__":
    sys.exit(main())
