"""`celery -A tasks pr show owner/name#123 [--json]`: what the repair loop saw and did on a pull request."""

from __future__ import annotations

import re
from typing import Any

import click
from celery.bin.base import CeleryCommand

from tasks.cli.output import emit_json
from tasks.github.view import pull_view
from tasks.settings import REPOSITORY_PATTERN


@click.group(cls=click.Group)
def pr() -> None:
    """Pull requests the platform monitors and repairs."""


@pr.command("show", cls=CeleryCommand)
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def show(ctx: click.Context, reference: str, as_json: bool) -> None:
    """A pull request's head, failed checks and fix history; REFERENCE is owner/name#number."""
    repository, _, number_text = reference.rpartition("#")
    if not re.match(REPOSITORY_PATTERN, repository) or not number_text.isdecimal() or int(number_text) < 1:
        message = f"expected owner/name#number, got {reference!r}"
        if as_json:
            emit_json({"error": message})
        else:
            click.echo(f"error: {message}", err=True)
        ctx.exit(2)
        return
    number = int(number_text)
    document = pull_view(repository, number)
    if as_json:
        emit_json(document)
        return
    _print(document)


def _print(document: dict[str, Any]) -> None:
    pull = document["pull"]
    click.echo(f"{document['repository']}#{document['number']}")
    if pull is None:
        click.echo("head       not monitored (not open, or not polled yet)")
    else:
        click.echo(f"head       {pull['head_sha']} ({pull['head_ref']})")
        click.echo(f"checks     {pull['checked_state'] or 'not checked'} on {(pull['checked_sha'] or '-')[:12]}")
    click.echo("")
    click.echo(f"{'HEAD':12}  {'CHECK':24}  {'CATEGORY':14}  {'CONFIDENCE':10}  SUMMARY")
    for analysis in document["analyses"]:
        click.echo(
            f"{analysis['head_sha'][:12]:12}  {analysis['name'][:24]:24}  {analysis['category']:14}  "
            f"{analysis['confidence']:<10}  {analysis['summary']}"
        )
    if not document["analyses"]:
        click.echo("no failed checks analysed")
    click.echo("")
    click.echo(f"{'AT':25}  {'HEAD':12}  {'CHECK':24}  {'STRATEGY':17}  {'OUTCOME':10}  REASON")
    for event in document["history"]:
        commit = f" -> {event['commit_sha'][:12]}" if event["commit_sha"] else ""
        click.echo(
            f"{event['at']:25}  {event['head_sha'][:12]:12}  {(event['check'] or '-')[:24]:24}  "
            f"{event['strategy'] or '-':17}  {event['outcome']:10}  {event['reason']}{commit}"
        )
    if not document["history"]:
        click.echo("no repairs yet")
