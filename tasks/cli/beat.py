"""`celery -A tasks beat-health`: is the beat on this host alive? Exit 0 yes, 2 no.

A beat ticks every few seconds (`beat_max_loop_interval`), leading or standing by after an
outage, and records each tick under its host name. A beat that has recorded ticks must have
recorded one lately; one that never has is waiting for the leader's lock, which must then be held.
"""

from __future__ import annotations

import socket
import time

import click
import redis
from celery.bin.base import CeleryCommand

from tasks.redis_client import connect
from tasks.schedules.scheduler import tick_key

#: A tick older than this (seconds) means the beat's loop is stuck or cut off from Redis.
DEFAULT_MAX_AGE_S = 60.0


@click.command(cls=CeleryCommand, name="beat-health")
@click.option("--max-age-s", default=DEFAULT_MAX_AGE_S, show_default=True, help="Oldest tick taken as alive.")
@click.option("--hostname", default=None, help="The beat's host name (default: this host's).")
@click.pass_context
def beat_health(ctx: click.Context, max_age_s: float, hostname: str | None) -> None:
    """Check the beat on this host: a recent tick, or (standing by) a leader holding the lock."""
    app = ctx.obj.app
    host = hostname or socket.gethostname()
    client = connect(app.settings, decode_responses=True)
    try:
        last = client.get(tick_key(host))
        lock_ttl_ms = client.pttl(app.conf.redbeat_key_prefix + ":lock")
    except redis.RedisError as error:
        click.echo(f"beat on {host}: Redis did not answer ({type(error).__name__})", err=True)
        ctx.exit(2)
    finally:
        client.close()
    if last is not None:
        age_s = time.time() - float(last)
        if age_s <= max_age_s:
            click.echo(f"beat on {host}: ticked {age_s:.1f} s ago")
            return
        click.echo(f"beat on {host}: last tick {age_s:.1f} s ago (over {max_age_s} s)", err=True)
        ctx.exit(2)
    if lock_ttl_ms > 0:
        click.echo(f"beat on {host}: standing by; the leader's lock is held")
        return
    click.echo(f"beat on {host}: never ticked, and no beat holds the lock", err=True)
    ctx.exit(2)
