"""`celery -A tasks documents show|search|reindex|upload`: the document store from the command line."""

from __future__ import annotations

import hashlib
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from celery import group
from celery.bin.base import CeleryCommand

from tasks.cli.output import emit_json

#: Seconds between progress polls while `--wait`ing.
POLL_S = 0.25
BAR_WIDTH = 30


@click.group(cls=click.Group)
def documents() -> None:
    """Ingested documents: show a record, search a collection, upload files."""


@documents.command(cls=CeleryCommand)
@click.argument("document_id")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def show(ctx: click.Context, document_id: str, as_json: bool) -> None:
    """Show one document's record."""
    from tasks.upload import get_document

    record = get_document(document_id)
    if record is None:
        raise click.ClickException(f"no document {document_id!r}")
    if as_json:
        emit_json(record)
        return
    for name in sorted(record):
        click.echo(f"{name:16} {record[name]}")


@documents.command(cls=CeleryCommand)
@click.argument("collection")
@click.argument("query")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100), help="Results to return.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def search(ctx: click.Context, collection: str, query: str, k: int, as_json: bool) -> None:
    """Hybrid (vector + BM25) search of COLLECTION for QUERY."""
    from tasks.upload.retrieval import search as run_search

    hits = run_search(ctx.obj.app.settings, collection, query, k)
    if as_json:
        emit_json(hits)
        return
    for rank, hit in enumerate(hits, start=1):
        pages = ",".join(str(page) for page in hit["metadata"].get("pages", []))
        click.echo(f"{rank}. {hit['score']:.4f}  {hit['document_id']} #{hit['chunk_index']}  pages {pages}")
        click.echo("   " + " ".join(hit["text"].split())[:200])


@documents.command(cls=CeleryCommand)
@click.argument("collection")
@click.pass_context
def reindex(ctx: click.Context, collection: str) -> None:
    """Write COLLECTION's lexical (BM25) index again from the vector store, with no ingestion running."""
    from tasks.upload import vector_store
    from tasks.upload.embedding import get_embedder

    settings = ctx.obj.app.settings
    store = vector_store.Store.from_settings(settings)
    written = vector_store.rebuild_lexical(store, collection, get_embedder(settings.upload).name)
    click.echo(f"{collection}: {written} chunks indexed")


@dataclass
class Submitted:
    label: str
    document_id: str | None
    task_id: str
    status: str = "PENDING"
    stage: str = "queued"
    progress: int = 0
    result: Any = None
    #: The (stage, progress) last printed, when not drawing on a terminal.
    shown: tuple[str, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if name != "shown"}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while step := file.read(1024 * 1024):
            digest.update(step)
    return digest.hexdigest()


def stage_file(path: Path, collection: str, sha: str, root: Path) -> str:
    """Copy `path` under the storage root (unless it is there); return its source."""
    resolved = path.resolve()
    if resolved.is_relative_to(root.resolve()):
        return str(resolved)
    target = root / collection / f"{sha[:16]}-{path.name}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        shutil.copyfile(path, target)
    return str(target.resolve())


@documents.command(cls=CeleryCommand)
@click.argument("paths", nargs=-1, required=True)
@click.option("--collection", default="default", show_default=True)
@click.option("--chunking-strategy", type=click.Choice(["fixed", "recursive", "sentence", "markdown"]))
@click.option("--force", is_flag=True, help="Re-ingest identical content.")
@click.option("--wait", is_flag=True, help="Draw a progress bar per file until each completes.")
@click.option("--timeout", "timeout_s", default=3600.0, show_default=True, help="Seconds to wait at most.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (the submissions or results).")
@click.pass_context
def upload(
    ctx: click.Context,
    paths: tuple[str, ...],
    collection: str,
    chunking_strategy: str | None,
    force: bool,
    wait: bool,
    timeout_s: float,
    as_json: bool,
) -> None:
    """Copy local files into the storage root, or into the staging bucket when one is set (or take
    s3:// URIs), and submit them, as one group."""
    from tasks.upload import process_document, records
    from tasks.upload.errors import StorageUnavailable
    from tasks.upload.pipeline import derive_document_id
    from tasks.upload.staging import stage_in_s3

    settings = ctx.obj.app.settings
    root = settings.upload.storage_root
    signatures, labels, ids = [], [], []
    for raw in paths:
        kwargs: dict[str, Any] = {"collection": collection, "force": force}
        if chunking_strategy:
            kwargs["chunking_strategy"] = chunking_strategy
        document_id = None
        if raw.startswith("s3://"):
            kwargs["source"] = raw
        else:
            path = Path(raw)
            if not path.is_file():
                raise click.ClickException(f"{raw}: not a file")
            sha = file_sha256(path)
            if settings.upload.staging_bucket is None:
                kwargs["source"] = stage_file(path, collection, sha, root)
            else:
                try:
                    kwargs["source"] = stage_in_s3(path, collection, sha, settings.upload, settings.aws)
                except StorageUnavailable as error:
                    raise click.ClickException(str(error)) from None
            kwargs["filename"] = path.name
            document_id = kwargs["document_id"] = derive_document_id(collection, sha)
            records.register(
                document_id, collection=collection, filename=path.name, source=kwargs["source"], task_id=None
            )
        signatures.append(process_document.s(**kwargs))
        labels.append(raw)
        ids.append(document_id)
    results = group(signatures).apply_async()
    submitted = [
        Submitted(label, document_id, child.id)
        for label, document_id, child in zip(labels, ids, results.results, strict=True)
    ]
    if wait:
        _wait(ctx.obj.app, submitted, timeout_s, draw=not as_json)
    if as_json:
        emit_json([item.as_dict() for item in submitted])
    elif not wait:
        for item in submitted:
            click.echo(f"{item.label}: task {item.task_id} document {item.document_id or '(derived from content)'}")
    if any(item.status == "FAILURE" for item in submitted):
        ctx.exit(1)


def _wait(app: Any, submitted: list[Submitted], timeout_s: float, *, draw: bool) -> None:
    deadline = time.monotonic() + timeout_s
    drawn = 0
    while True:
        for item in submitted:
            _poll(app, item)
        if draw:
            drawn = _draw(submitted, drawn)
        if all(item.status in ("SUCCESS", "FAILURE") for item in submitted):
            return
        if time.monotonic() > deadline:
            raise click.ClickException(f"gave up waiting after {timeout_s} s")
        time.sleep(POLL_S)


def _poll(app: Any, item: Submitted) -> None:
    if item.status in ("SUCCESS", "FAILURE"):
        return
    state = app.AsyncResult(item.task_id)
    # One read for state and meta: the task may finish between two reads.
    meta = state.backend.get_task_meta(item.task_id)
    item.status, info = meta["status"], meta["result"]
    if item.status == "PROGRESS" and isinstance(info, dict):
        item.stage, item.progress, item.document_id = info["stage"], int(info["progress"]), info["document_id"]
    elif item.status == "SUCCESS":
        item.result = info
        item.stage, item.progress, item.document_id = str(info["status"]), 100, info["document_id"]
    elif item.status == "FAILURE":
        item.stage, item.result = "failed", f"{type(state.result).__name__}: {state.result}"
    elif item.status == "RETRY":
        item.stage = "retrying"


def _draw(submitted: list[Submitted], drawn: int) -> int:
    """Redraw the bars in place on a terminal; elsewhere print a line when a file's stage changes."""
    tty = sys.stdout.isatty()
    lines = []
    for item in submitted:
        filled = BAR_WIDTH * item.progress // 100
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        tail = f" {item.result}" if item.stage == "failed" else ""
        lines.append(f"{item.label[-40:]:40} [{bar}] {item.progress:3}% {item.stage}{tail}")
    if tty:
        if drawn:
            click.echo(f"\x1b[{drawn}F", nl=False)
        for line in lines:
            click.echo("\x1b[2K" + line)
        return len(lines)
    for item, line in zip(submitted, lines, strict=True):
        if item.shown != (item.stage, item.progress):
            click.echo(line)
            item.shown = (item.stage, item.progress)
    return 0
