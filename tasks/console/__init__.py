"""The web console: dead letters, metrics, documents, infrastructure and pull requests in a browser.

Public API: `create_app` (the Starlette application), `serve` (uvicorn on an address and port)
and `require_auth_off_loopback` (the refusal to run open on a network, as Flower's).
"""

from tasks.console.app import create_app
from tasks.console.security import require_auth_off_loopback
from tasks.console.server import serve

__all__ = ["create_app", "require_auth_off_loopback", "serve"]
