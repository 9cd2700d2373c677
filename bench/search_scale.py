"""Search latency and memory against the collection's size.

    .venv/bin/python bench/search_scale.py [--sizes 10000,100000,1000000] [--server] [--lexical-only]

Loads synthetic chunks (~80 words of a Zipf-distributed 30,000-word vocabulary, plus an
identifier each) through `vector_store.write_chunks`, the ingestion pipeline's own write, with
the hashing embedder, into embedded Chroma or (`--server`) a `chroma run` server, growing
one collection from size to size. At each size a fresh process per mode (`lexical`,
`hybrid`) times its first search, then 100 more (warm p50/p95), and reports its resident
memory. `--lexical-only` writes only the lexical index (the vector half skipped), to reach
sizes whose Chroma load would take too long.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COLLECTION = "scale"
#: Chunks per document, and per batch a loader process hands over.
DOC_CHUNKS = 100
BATCH = 5000
#: Processes making batches.
LOADERS = 2
WARM_SEARCHES = 100
_SYLLABLES = ["ka", "lo", "mi", "ter", "an", "ov", "ri", "sul", "pe", "dor", "en", "qua", "vi", "nat", "os", "bre"]


def vocabulary() -> tuple[list[str], list[float]]:
    """Pseudo-words and their cumulative Zipf weights: a few very common, most rare, as in prose."""
    rng = random.Random(7)
    made = ("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(40_000))
    words = list(dict.fromkeys(made))[:30_000]
    return words, list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))


def chunk_text(rng: random.Random, words: list[str], weights: list[float], number: int) -> str:
    body = " ".join(rng.choices(words, cum_weights=weights, k=80))
    return f"{body} ERR_{number:07d} {rng.choice(words)}.{rng.choice(words)}_handler"


def make_batch(start: int, vectors: bool) -> tuple[list[str], list[str], list[dict[str, Any]], list[list[float]]]:
    from tasks.upload.embedding.hashing import HashingEmbedder

    words, weights = vocabulary()
    rng = random.Random(start)
    numbers = range(start, start + BATCH)
    texts = [chunk_text(rng, words, weights, number) for number in numbers]
    metadatas: list[dict[str, Any]] = [
        {"document_id": f"doc{n // DOC_CHUNKS}", "chunk_index": n % DOC_CHUNKS, "filename": "synthetic.txt"}
        for n in numbers
    ]
    ids = [f"{m['document_id']}:{m['chunk_index']:06d}" for m in metadatas]
    return ids, texts, metadatas, HashingEmbedder().embed(texts) if vectors else []


def load(start: int, stop: int, lexical_only: bool) -> None:
    from tasks.settings import get_settings
    from tasks.upload import lexical, vector_store
    from tasks.upload.embedding.hashing import HashingEmbedder

    store = vector_store.Store.from_settings(get_settings())
    jobs = [(first, not lexical_only) for first in range(start, stop, BATCH)]
    with multiprocessing.Pool(LOADERS) as pool:
        # One window made while the previous one is written: `imap` would make every batch at
        # once and hold them all (tens of GB at 1,000,000 chunks) while the store lags behind.
        pending = pool.map_async(_make, jobs[:LOADERS])
        for window in range(0, len(jobs), LOADERS):
            made = pending.get()
            pending = pool.map_async(_make, jobs[window + LOADERS : window + 2 * LOADERS])
            for ids, texts, metadatas, vectors in made:
                if lexical_only:
                    lexical.write(store.lexical, COLLECTION, ids, texts, metadatas)
                else:
                    vector_store.write_chunks(store, COLLECTION, HashingEmbedder.name, ids, vectors, texts, metadatas)
        pending.get()


def _make(job: tuple[int, bool]) -> tuple[list[str], list[str], list[dict[str, Any]], list[list[float]]]:
    return make_batch(*job)


def queries() -> list[str]:
    """One to three words of every frequency, some with an identifier, as users type them."""
    words, _ = vocabulary()
    rng = random.Random(11)
    found = []
    for number in range(WARM_SEARCHES + 1):
        picked = [words[min(int(rng.paretovariate(0.6)) * 20, len(words) - 1)] for _ in range(rng.randint(1, 3))]
        if number % 4 == 0:
            picked.append(f"ERR_{rng.randrange(10_000):07d}")
        found.append(" ".join(picked))
    return found


def child(mode: str) -> None:
    """In a fresh process: the first search, then the warm ones; prints a JSON line."""
    started = time.perf_counter()
    from tasks.settings import get_settings
    from tasks.upload.retrieval import search

    settings = get_settings()
    imported_s = time.perf_counter() - started
    first, *rest = queries()
    started = time.perf_counter()
    search(settings, COLLECTION, first, k=5, mode=mode)
    first_s = time.perf_counter() - started
    warm = []
    for query in rest:
        started = time.perf_counter()
        search(settings, COLLECTION, query, k=5, mode=mode)
        warm.append(time.perf_counter() - started)
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    print(
        json.dumps(
            {
                "import_s": imported_s,
                "first_s": first_s,
                "p50_s": statistics.median(warm),
                "p95_s": statistics.quantiles(warm, n=20)[-1],
                "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
                "peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024,
            }
        )
    )


def measure(mode: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--server", action="store_true", help="a `chroma run` server instead of embedded Chroma")
    parser.add_argument("--lexical-only", action="store_true", help="write and search only the lexical index")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    from tests.upload.chroma_server import ChromaServer

    sizes = [int(size) for size in args.sizes.split(",")]
    modes = ["lexical"] if args.lexical_only else ["lexical", "hybrid"]
    with tempfile.TemporaryDirectory(prefix="search-scale-") as tmp:
        os.environ.update({"TASKS_DATA_DIR": tmp, "TASKS_UPLOAD__EMBEDDER": "hashing"})
        server = ChromaServer(Path(tmp) / "server").start() if args.server else None
        if server is not None:
            os.environ["TASKS_UPLOAD__CHROMA_URL"] = server.url
        store = "lexical index only" if args.lexical_only else ("Chroma server" if server else "embedded Chroma")
        print(f"store: {store}")
        print("| chunks | load s (total) | index MB | mode | import s | first s | warm p50 ms | warm p95 ms | RSS MB |")
        print("|---|---|---|---|---|---|---|---|---|")
        loaded, load_s = 0, 0.0
        try:
            for size in sizes:
                started = time.perf_counter()
                load(loaded, size, args.lexical_only)
                load_s += time.perf_counter() - started
                loaded = size
                index_mb = sum(f.stat().st_size for f in (Path(tmp) / "lexical").iterdir()) / 2**20
                for mode in modes:
                    m = measure(mode)
                    print(
                        f"| {size:,} | {load_s:.0f} | {index_mb:.0f} | {mode} | {m['import_s']:.2f} | "
                        f"{m['first_s']:.3f} | {m['p50_s'] * 1000:.1f} | {m['p95_s'] * 1000:.1f} | "
                        f"{m['rss_mb']:.0f} |",
                        flush=True,
                    )
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
