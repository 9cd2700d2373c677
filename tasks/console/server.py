"""Serving the console with uvicorn."""

from __future__ import annotations

import uvicorn
from celery import Celery

from tasks.console.app import create_app
from tasks.console.security import require_auth_off_loopback
from tasks.settings import Settings


def serve(celery_app: Celery, settings: Settings, address: str, port: int) -> None:
    """Listen on `address`:`port` until interrupted; refuses an exposed address without basic auth."""
    require_auth_off_loopback(address, settings.console)
    uvicorn.run(
        create_app(celery_app, settings),
        host=address,
        port=port,
        log_level=settings.log_level.lower(),
        server_header=False,
        proxy_headers=False,
    )
