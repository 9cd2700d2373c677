"""Recall@5 of hybrid search (vector + BM25, rank fusion) against pure vector search.

    .venv/bin/python bench/search_recall.py

The corpus is real documentation: the README (long description in the METADATA) of
13 packages installed in this environment. Each labelled question names a phrase
that the chunk answering it contains; a question is recalled when such a chunk is
among the top 5. Real all-MiniLM-L6-v2 embeddings, embedded Chroma, a private Redis.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.harness import services

PACKAGES = [
    "croniter", "rank-bm25", "langdetect", "unidiff", "httpx", "redis", "kombu",
    "pypdf", "uvicorn", "flower", "honcho", "celery", "starlette",
]  # fmt: skip
COLLECTION = "recall"
K = 5

#: (question, a phrase of the chunk that answers it).
QUESTIONS = [
    ("How do I step backwards to the previous run time of a cron expression?", "get_prev"),
    ("Is February 31st rejected as an impossible date?", "Feb has at most 29 days"),
    ("What does the day_or switch change?", "switch is used to control how croniter handles"),
    ("How can a schedule fire on the final day of every month?", "the last day of the month"),
    ("How do I validate a cron string?", "croniter.is_valid('0 0 1 * *')"),
    ("Which BM25 variants are implemented?", "BM25L"),
    ("Does the BM25 library lowercase or remove stopwords for me?", "doesn't do any text preprocessing"),
    ("How do I retrieve the best documents instead of scores?", "get_top_n"),
    ("How can language detection give the same answer on every run?", "DetectorFactory.seed = 0"),
    ("How many languages are recognised out of the box?", "55 languages"),
    ("How do I get the probability of each candidate language?", "detect_langs("),
    ("How do I read a patch from a file on disk?", "PatchSet.from_filename"),
    ("Is there a command that summarises a git diff?", "git diff | unidiff"),
    ("How do I install the HTTPX command line client?", "httpx[cli]"),
    ("Can the HTTP client call a WSGI or ASGI application directly?", "WSGI applications"),
    ("How can I make redis-py parse responses faster?", "hiredis"),
    ("How do I get unified response shapes regardless of RESP2 or RESP3?", "legacy_responses=False"),
    ("How do several Redis clients share one connection pool?", "redis.ConnectionPool(host"),
    ("How are MULTI/EXEC transactions exposed?", "Pipeline class"),
    ("Which kombu transports support message priority?", "**Priority**"),
    ("What does AMQP stand for?", "Advanced Message Queuing Protocol"),
    ("Can I unit test messaging code without a real broker?", "In-memory transport for unit testing"),
    ("Which extra do I install for AES encryption of PDFs?", "pypdf[crypto]"),
    ("How do I extract the text of the first page of a PDF?", "page.extract_text()"),
    ("What does the standard extra of the ASGI server install?", "uvloop"),
    ("Which protocols does uvicorn support?", "HTTP/1.1, HTTP/2 and WebSockets"),
    ("Which port does the Celery monitoring dashboard listen on by default?", "port 5555"),
    ("Can the monitoring tool revoke or terminate tasks?", "Revoke or terminate tasks"),
    ("What tool runs Procfile-based applications in Python?", "Python port of Foreman"),
    ("How do I start all processes of a Procfile?", "honcho start"),
]

#: Questions built around an exact identifier, option or error name (written before any run).
IDENTIFIER_QUESTIONS = [
    ("What raises CroniterBadCronError?", "raises CroniterBadCronError"),
    ("What does the supports_fanout transport option do?", "``supports_fanout`` transport option"),
    ("How do I build a BM25Okapi index?", "BM25Okapi(tokenized_corpus)"),
    ("When should I set protocol=3?", "Set *protocol=3* explicitly"),
    ("What does is_added_file tell me?", "patch[0].is_added_file"),
    ("Which package does the --env-file option need?", "`--env-file` option"),
    ("What is strict_year for?", "you can pass ``strict_year``"),
    ("How do I use --genprofile-text?", "--genprofile-text"),
]


def readme(package: str) -> str:
    text = importlib.metadata.distribution(package).read_text("METADATA")
    assert text is not None, package
    body = text.split("\n\n", 1)[1]
    assert body.strip(), package
    return body


def squash(text: str) -> str:
    return " ".join(text.split())


def recalled(hits: list[dict[str, object]], phrase: str) -> bool:
    return any(squash(phrase) in squash(str(hit["text"])) for hit in hits)


@contextmanager
def private_platform(prefix: str) -> Iterator[Path]:
    """A temporary folder with a Redis of its own and the real embedder; yields where documents go."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = Path(tmp)
        server = services.RedisServer(folder / "redis").start()
        os.environ.update(
            {
                "TASKS_REDIS_URL": server.url,
                "TASKS_DATA_DIR": str(folder / "var"),
                "TASKS_UPLOAD__STORAGE_ROOT": str(folder / "docs"),
                "TASKS_UPLOAD__EMBEDDER": "sentence-transformers",
            }
        )
        try:
            yield folder / "docs"
        finally:
            server.stop()


def main() -> None:
    with private_platform("bench-recall-") as docs:
        run(docs)


def run(docs: Path) -> None:
    from tasks.settings import get_settings
    from tasks.upload.params import ProcessDocumentParams
    from tasks.upload.pipeline import ingest
    from tasks.upload.retrieval import search

    settings = get_settings()
    docs.mkdir()
    chunks = 0
    for package in PACKAGES:
        path = docs / f"{package}.md"
        path.write_text(readme(package))
        params = ProcessDocumentParams(source=str(path), collection=COLLECTION, chunk_size=500, chunk_overlap=50)
        chunks += ingest(params, settings, task_id=None, progress=lambda *_: None)["chunk_count"]
    labelled = {"questions": QUESTIONS, "identifiers": IDENTIFIER_QUESTIONS, "all": QUESTIONS + IDENTIFIER_QUESTIONS}
    for phrase in {phrase for _, phrase in labelled["all"]}:
        assert any(squash(phrase) in squash(readme(package)) for package in PACKAGES), phrase
    print(f"corpus: {len(PACKAGES)} package READMEs, {chunks} chunks; {len(labelled['all'])} labelled questions")
    for mode in ("vector", "lexical", "hybrid"):
        found = {
            question: recalled(search(settings, COLLECTION, question, K, mode=mode), phrase)
            for question, phrase in labelled["all"]
        }
        figures = []
        for name, questions in labelled.items():
            hits = sum(found[question] for question, _ in questions)
            figures.append(f"{name} {hits / len(questions):.2f} ({hits}/{len(questions)})")
        print(f"recall@{K} {mode:8} " + ", ".join(figures))
        for question, hit in found.items():
            if not hit:
                print(f"    missed: {question}")


if __name__ == "__main__":
    main()
