"""The failure classifier on hostile logs against ordinary logs of the same size.

    .venv/bin/python bench/classifier_adversarial.py [--mib 2] [--rounds 3]

Ordinary: lines of the real tool logs in tests/github/logs, repeated to the size, in one
failing step. Hostile, each of the same size: near-matches of every classifier pattern
(tests/github/hostile_logs.py); one single line of `= 111...` (a pytest summary
near-match); `Connection refused` then one line of `a`. The default size is the most of a
job log the platform downloads (client.MAX_LOG_BYTES). Prints the median time of each,
its ratio to the ordinary log and its time per MiB. Target: every ratio within a small
constant (no hostile shape is more than a few times slower than ordinary output).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.github.classifier import classify
from tasks.github.job_logs import MAX_LINE_CHARS
from tests.github.hostile_logs import hostile_lines

LOGS = Path(__file__).resolve().parents[1] / "tests" / "github" / "logs"
TAIL = "FAILED tests/test_calc.py::test_add - assert 2 == 3\n##[error]Process completed with exit code 1.\n"


def filled(lines: list[str], size: int) -> str:
    """A failing step whose output cycles through `lines` up to `size` characters."""
    out: list[str] = ["##[group]Run pytest"]
    total = 0
    while total < size:
        for line in lines:
            out.append(line)
            total += len(line) + 1
            if total >= size:
                break
    return "\n".join(out) + "\n" + TAIL


def ordinary_lines() -> list[str]:
    return [
        line.split("Z ", 1)[-1]
        for path in sorted(LOGS.glob("*.log"))
        for line in path.read_text().splitlines()
        if "##[" not in line
    ]


def median_s(text: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        classify(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = int(args.mib * 1024 * 1024)
    logs = {
        "ordinary": filled(ordinary_lines(), size),
        "near-matches": filled(hostile_lines(MAX_LINE_CHARS * 3), size),
        "one '= 111...' line": filled(["= " + "1" * size], size),
        "'Connection refused' + one 'aaa...' line": filled(["Connection refused", "a" * size], size),
    }
    base = median_s(logs["ordinary"], args.rounds)
    print(f"classifier, logs of {args.mib:g} MiB, median of {args.rounds}")
    print(f"{'log':45} {'seconds':>8} {'ratio':>6} {'s/MiB':>6}")
    for name, text in logs.items():
        seconds = base if name == "ordinary" else median_s(text, args.rounds)
        mib = len(text) / 1024 / 1024
        print(f"{name:45} {seconds:8.3f} {seconds / base:6.2f} {seconds / mib:6.3f}")


if __name__ == "__main__":
    main()
