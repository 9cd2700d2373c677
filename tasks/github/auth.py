"""Credentials: a token, or a GitHub App (app id + private key -> JWT -> installation token).

An installation token lives an hour; it is cached in the process until shortly
before it expires, so a worker asks for a new one about once an hour. Every JWT
and installation token is handed to the redaction as it is minted, so the
process's logs, errors and dead letters mask it like a configured secret.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import jwt

from tasks.github.errors import NotConfigured
from tasks.redaction import remember
from tasks.settings import GitHubSettings

#: GitHub refuses an app JWT living longer than ten minutes; nine leaves room for clock skew.
JWT_LIFETIME_S = 540
#: An app JWT is back-dated this much, as GitHub recommends, against clock drift.
JWT_BACKDATE_S = 60
#: An installation token is renewed this long before it expires.
RENEW_BEFORE_S = 300

#: Posts to a GitHub API path with an Authorization header; returns the decoded JSON answer.
PostJson = Callable[[str, str], dict[str, Any]]


class Credentials(Protocol):
    def authorization(self, post: PostJson) -> str: ...


@dataclass(frozen=True)
class TokenCredentials:
    token: str = field(repr=False)

    def authorization(self, post: PostJson) -> str:
        return f"Bearer {self.token}"


@dataclass
class AppCredentials:
    app_id: int
    private_key: str = field(repr=False)
    installation_id: int
    _token: str | None = field(default=None, repr=False)
    _expires_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app_jwt(self) -> str:
        now = int(time.time())
        claims = {"iat": now - JWT_BACKDATE_S, "exp": now + JWT_LIFETIME_S, "iss": str(self.app_id)}
        token = jwt.encode(claims, self.private_key, algorithm="RS256")
        remember(token)
        return token

    def authorization(self, post: PostJson) -> str:
        with self._lock:
            if self._token is None or time.time() >= self._expires_at - RENEW_BEFORE_S:
                answer = post(f"/app/installations/{self.installation_id}/access_tokens", f"Bearer {self.app_jwt()}")
                self._token = str(answer["token"])
                remember(self._token)
                self._expires_at = datetime.fromisoformat(str(answer["expires_at"]).replace("Z", "+00:00")).timestamp()
            return f"Bearer {self._token}"


def credentials_from(settings: GitHubSettings) -> Credentials:
    """The configured credentials; a clear error naming the variables when there are none."""
    if settings.app_id is not None:
        if settings.app_private_key is None or settings.app_installation_id is None:
            raise NotConfigured(
                "TASKS_GITHUB__APP_ID is set: TASKS_GITHUB__APP_PRIVATE_KEY and "
                "TASKS_GITHUB__APP_INSTALLATION_ID are required too"
            )
        return AppCredentials(
            app_id=settings.app_id,
            private_key=settings.app_private_key.get_secret_value(),
            installation_id=settings.app_installation_id,
        )
    if settings.token is None or not settings.token.get_secret_value():
        raise NotConfigured(
            "TASKS_GITHUB__TOKEN is required (or a GitHub App: TASKS_GITHUB__APP_ID, "
            "TASKS_GITHUB__APP_PRIVATE_KEY, TASKS_GITHUB__APP_INSTALLATION_ID)"
        )
    return TokenCredentials(settings.token.get_secret_value())
