"""One client process of the benchmark, run in the system's own environment (standard library only).

    python -m bench.peer_client MODULE send|prequeue KIND COUNT

`send` calls the system's one-at-a-time enqueue COUNT times, `prequeue` its bulk way;
prints the seconds the calls took (imports and connecting excluded) as JSON.
"""

from __future__ import annotations

import importlib
import json
import sys
import time


def main(arguments: list[str]) -> None:
    module_name, mode, kind, count_text = arguments
    module = importlib.import_module(module_name)
    count = int(count_text)
    if mode == "send":
        # The first call connects; it is left out so every system is timed warm.
        module.send(kind)
        start = time.perf_counter()
        for _ in range(count):
            module.send(kind)
    else:
        start = time.perf_counter()
        module.prequeue(kind, count)
    print(json.dumps({"elapsed_s": time.perf_counter() - start}))


if __name__ == "__main__":
    main(sys.argv[1:])
