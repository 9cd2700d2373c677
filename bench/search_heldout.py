"""Recall@5 on documentation no tuning decision saw, beside the part that was tuned on.

    .venv/bin/python bench/search_heldout.py

The corpus: the READMEs (METADATA long descriptions) of the packages named in
bench/data/search_heldout.json, none of them among bench/search_recall.py's 13,
ingested with the shipped defaults (real all-MiniLM-L6-v2, embedded Chroma, a private
Redis). Each question is labelled with its topic (package) and a phrase of the passage
that answers it, and belongs to the `tune` or the `heldout` part (split by topic before
anything was measured). Topic recall@5: a top-5 chunk comes from the topic's README;
passage recall@5: a top-5 chunk contains the phrase.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_recall import private_platform, readme, squash

DATA = Path(__file__).resolve().parent / "data" / "search_heldout.json"
COLLECTION = "heldout"
K = 5
MODES = ("hybrid", "vector", "lexical")
PARTS = ("tune", "heldout")


def main() -> None:
    with private_platform("bench-heldout-") as docs:
        run(docs, json.loads(DATA.read_text()))


def run(docs: Path, data: dict[str, Any]) -> None:
    from tasks.settings import get_settings
    from tasks.upload.params import ProcessDocumentParams
    from tasks.upload.pipeline import ingest
    from tasks.upload.retrieval import search

    settings = get_settings()
    docs.mkdir()
    topic_of: dict[str, str] = {}
    chunks = 0
    for package in [*data["topics"], *data["distractors"]]:
        path = docs / f"{package}.md"
        path.write_text(readme(package))
        done = ingest(
            ProcessDocumentParams(source=str(path), collection=COLLECTION), settings, task_id=None, progress=_quiet
        )
        topic_of[done["document_id"]] = package
        chunks += done["chunk_count"]
    questions = data["questions"]
    defaults = ProcessDocumentParams(source="-")
    print(
        f"corpus: {len(topic_of)} READMEs, {chunks} chunks ({defaults.chunking_strategy} "
        f"{defaults.chunk_size}/{defaults.chunk_overlap}); questions: "
        + ", ".join(f"{part} {sum(q['split'] == part for q in questions)}" for part in PARTS)
    )
    print(f"| ranking | {' | '.join(f'{part} topic@{K} | {part} passage@{K}' for part in PARTS)} |")
    print("|---|" + "---|" * 2 * len(PARTS))
    for mode in MODES:
        found: dict[str, list[tuple[bool, bool]]] = {part: [] for part in PARTS}
        for question in questions:
            hits = search(settings, COLLECTION, question["question"], K, mode=mode)
            topic = any(topic_of.get(str(hit["document_id"])) == question["topic"] for hit in hits)
            passage = any(squash(question["phrase"]) in squash(str(hit["text"])) for hit in hits)
            found[question["split"]].append((topic, passage))
        cells = []
        for part in PARTS:
            rows = found[part]
            cells += [f"{sum(t for t, _ in rows) / len(rows):.3f}", f"{sum(p for _, p in rows) / len(rows):.3f}"]
        print(f"| {mode} | {' | '.join(cells)} |", flush=True)


def _quiet(*_: object) -> None:
    return None


if __name__ == "__main__":
    main()
