"""Flower's options from the platform settings, and its refusal to run open on a network."""

from __future__ import annotations

import ipaddress
import sys

from tasks.settings import Settings


def is_loopback(address: str) -> bool:
    if address in {"localhost"}:
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def configure(settings: Settings) -> None:
    """Seed Flower's options; the command line and FLOWER_* variables still win.

    Only in a `celery` command-line process: the CLI loads Flower as a plugin anyway,
    while an application that merely imports the platform should not.
    """
    if "celery.bin.celery" not in sys.modules:
        return
    import flower.options  # noqa: F401  # defines Flower's options before we set them
    from tornado.options import options

    options.address = settings.flower.address
    options.port = settings.flower.port
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    options.persistent = True
    options.db = str(settings.data_dir / "flower.db")
    if settings.flower.basic_auth is not None:
        options.basic_auth = [settings.flower.basic_auth.get_secret_value()]
    options.add_parse_callback(_require_auth_off_loopback)


def _require_auth_off_loopback() -> None:
    from tornado.options import options

    if not is_loopback(options.address) and not (options.basic_auth or options.auth):
        raise SystemExit(
            f"Refusing to start Flower on {options.address or 'all interfaces'} without authentication: "
            "set TASKS_FLOWER__BASIC_AUTH=user:password or bind to 127.0.0.1."
        )
