"""Credentials: a token, or a GitHub App whose installation token is cached until shortly before expiry."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from tasks.github.auth import RENEW_BEFORE_S, AppCredentials, TokenCredentials, credentials_from
from tasks.github.client import GitHubClient
from tasks.github.errors import NotConfigured
from tasks.settings import GitHubSettings
from tests.github.fake_github import FakeGitHub

APP_ID = 4242
INSTALLATION_ID = 77


def rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def test_app_installation_token_is_cached_until_shortly_before_it_expires(fake: FakeGitHub, repo_name: str) -> None:
    private, public = rsa_pair()
    fake.enable_app(APP_ID, public)
    fake.add_repo(repo_name)
    # Tokens that expire two seconds after the platform starts renewing them.
    fake.installation_token_lifetime_s = RENEW_BEFORE_S + 2
    credentials = AppCredentials(APP_ID, private, INSTALLATION_ID)
    client = GitHubClient(fake.url, credentials, timeout_s=5)

    client.request("GET", f"/repos/{repo_name}/pulls")
    client.request("GET", f"/repos/{repo_name}/pulls")
    tokens = fake.recorded("POST", rf"/app/installations/{INSTALLATION_ID}/access_tokens")
    assert len(tokens) == 1 and tokens[0].status == 201
    (first_token,) = {r.authorization for r in fake.recorded("GET")}
    assert first_token.startswith("Bearer ghs_")

    # Shortly before the hour is over, a new token is asked for.
    time.sleep(2.1)
    client.request("GET", f"/repos/{repo_name}/pulls")
    assert len(fake.recorded("POST", rf"/app/installations/{INSTALLATION_ID}/access_tokens")) == 2
    client.close()


def test_credentials_from_settings() -> None:
    private, _ = rsa_pair()

    assert isinstance(credentials_from(GitHubSettings(token=SecretStr("t"))), TokenCredentials)
    app = GitHubSettings(app_id=1, app_private_key=SecretStr(private), app_installation_id=2)
    assert isinstance(credentials_from(app), AppCredentials)
    with pytest.raises(NotConfigured, match="TASKS_GITHUB__TOKEN is required"):
        credentials_from(GitHubSettings(repositories=["acme/widgets"]))
    with pytest.raises(NotConfigured, match="TASKS_GITHUB__APP_INSTALLATION_ID"):
        credentials_from(GitHubSettings(app_id=1, app_private_key=SecretStr(private)))
