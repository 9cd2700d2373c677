from __future__ import annotations

from pathlib import Path

from tasks.settings import Settings
from tasks.upload.chunking import Chunk
from tasks.upload.lexical import tokenize
from tasks.upload.pipeline import embedded_text
from tasks.upload.retrieval import fuse, names_exact_terms
from tasks.upload.vector_store import Hit
from tests.harness.workers import WorkerProcess
from tests.upload.helpers import ingest


def hit(name: str) -> Hit:
    return Hit(name, name, {}, 0.0)


def test_identifiers_are_kept_whole_and_in_parts() -> None:
    assert tokenize("Call os.path.join, then E1101!") == ["call", "os.path.join", "os", "path", "join", "e1101"]
    assert tokenize("max_retries") == ["max_retries", "max", "retri"]
    assert tokenize("Retries") == ["retri"]


def test_inflections_share_a_term() -> None:
    assert tokenize("probabilities of languages") == tokenize("probability language")


def test_rank_fusion_rewards_agreement() -> None:
    fused = fuse([[hit("a"), hit("b"), hit("c")], [hit("b"), hit("d"), hit("e")]], k=3)

    assert [found.id for found, _ in fused] == ["b", "a", "d"]
    assert fused[0][1] == 1 / 62 + 1 / 61


def test_only_queries_naming_exact_terms_use_the_lexical_ranking() -> None:
    exact = [
        "ERR_SOCK_7731",
        "what does os.path.join do",
        "When is get_prev() used?",
        "the `override` flag",
        "AMQP",
        "--env-file",
    ]
    for query in exact:
        assert names_exact_terms(query), query
    assert not names_exact_terms("How do I keep the broker connection from being dropped as idle?")


def test_the_title_and_heading_path_are_embedded_before_the_text() -> None:
    assert embedded_text("redis", Chunk(0, "Use a pool.", [1])) == "redis\nUse a pool."
    assert embedded_text("redis", Chunk(0, "Use a pool.", [1], "Intro > Pools")) == "redis > Intro > Pools\nUse a pool."


def test_exact_identifier_found_by_the_lexical_signal(
    worker: WorkerProcess, folder: Path, collection: str, settings: Settings
) -> None:
    from tasks.upload.retrieval import search

    for number in range(20):
        text = f"Section {number}. The service reads its configuration and starts the listeners in order."
        if number == 13:
            text += " If it fails with ERR_SOCK_7731 the port is taken."
        (folder / f"{number}.txt").write_text(text)
        ingest(source=str(folder / f"{number}.txt"), collection=collection)

    hybrid = search(settings, collection, "ERR_SOCK_7731", k=3)
    lexical = search(settings, collection, "ERR_SOCK_7731", k=3, mode="lexical")

    assert "ERR_SOCK_7731" in hybrid[0]["text"]
    assert "ERR_SOCK_7731" in lexical[0]["text"]
    assert len(lexical) == 1
