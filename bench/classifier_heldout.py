"""The classifier on the logs it was tuned on and on logs it was not: accuracy, key lines, misses.

PYTHONPATH=$PWD .venv/bin/python bench/classifier_heldout.py [--misses]
"""

from __future__ import annotations

import argparse
from collections import Counter

from tests.github.classifier_eval import HELDOUT, TUNED, Score, evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="name every log missed (held-out ones included)")
    args = parser.parse_args()
    sets: dict[str, Score] = {
        "tuned (tests/github/logs)": evaluate(TUNED),
        "tune split (heldout/, tune)": evaluate(HELDOUT, "tune"),
        "held-out split (heldout/, heldout)": evaluate(HELDOUT, "heldout"),
        "  of which batch 1 (name hash)": evaluate(HELDOUT, "heldout", 1),
        "  of which batch 4 (made last)": evaluate(HELDOUT, "heldout", 4),
    }
    print(f"{'set':<36} {'logs':>5} {'category':>9} {'key lines':>10}")
    for name, score in sets.items():
        rate = f"{score.key_line_rate:.3f} ({score.key_lines_found}/{score.key_lines})"
        print(f"{name:<36} {score.logs:>5} {score.accuracy:>9.3f} {rate:>10}")
    for name, score in sets.items():
        confusion = Counter((expected, given) for _, expected, given in score.misses)
        pairs = ", ".join(f"{expected}->{given} x{count}" for (expected, given), count in sorted(confusion.items()))
        print(f"misses, {name}: {pairs or 'none'}")
        if args.misses:
            for log, expected, given in score.misses:
                print(f"  {log}: {expected} given {given}")
            print(f"  key line not quoted: {', '.join(score.unquoted) or 'none'}")


if __name__ == "__main__":
    main()
