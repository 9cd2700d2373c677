"""Redaction: every form of a secret, URLs' user-info and query, minted credentials, reprs."""

from __future__ import annotations

import json

import pytest
from pydantic import AnyHttpUrl, AnyUrl

from tasks import redaction
from tasks.github.auth import AppCredentials, TokenCredentials
from tasks.redaction import MASK, redact, redact_text, redact_url, remember, remembered
from tasks.settings import ReportsSettings, Settings, UploadSettings
from tasks.upload.embedding.openai import OpenAIEmbedder

#: A secret with every character that changes once escaped: quote, backslash, newline, non-ASCII.
AWKWARD = 'pa"ss\\word\nsecond-line-of-it-é✓'


def forms(secret: str) -> list[str]:
    return [secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1]]


@pytest.mark.parametrize("form", forms(AWKWARD))
def test_every_escaped_form_of_a_secret_is_masked(form: str) -> None:
    masked = redact_text(f"before {form} after", [AWKWARD])

    assert masked == f"before {MASK} after"


def test_each_long_line_of_a_multi_line_secret_is_masked_on_its_own() -> None:
    key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END KEY-----"

    masked = redact_text("truncated: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC...", [key])

    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in masked


def test_urls_lose_their_user_info_and_query_values() -> None:
    text = "POST http://user:p%40ss@127.0.0.1:8080/v1/embeddings?token=abc&x=1 answered 500"

    assert redact_url(text) == f"POST http://{MASK}@127.0.0.1:8080/v1/embeddings?token={MASK}&x={MASK} answered 500"
    assert redact_text(text, []) == redact_url(text)


def test_a_url_without_credentials_is_unchanged() -> None:
    assert redact_url("see https://api.github.com/repos/a/b/pulls.") == "see https://api.github.com/repos/a/b/pulls."


def test_redact_masks_secret_keys_and_values_in_nested_arguments() -> None:
    value = {"api_key": "k", "items": [f"with {AWKWARD}", ("http://a:b@h/",)]}

    assert redact(value, [AWKWARD]) == {"api_key": MASK, "items": [f"with {MASK}", (f"http://{MASK}@h/",)]}


def test_remembered_credentials_are_masked_and_memory_is_bounded() -> None:
    first = "ghs_minted_first_0000"
    remember(first)
    assert redact_text(f"token {first}", []) == f"token {MASK}"

    for index in range(redaction.MAX_REMEMBERED):
        remember(f"ghs_minted_{index:04d}_later")

    assert len(remembered()) == redaction.MAX_REMEMBERED
    assert first not in remembered()


def test_settings_secrets_hold_url_user_info_and_the_whole_webhook_url() -> None:
    settings = Settings(
        redis_url=AnyUrl("redis://:redis-pass@localhost:6379/0"),
        broker_url=AnyUrl("amqp://rabbit:rabbit-pass@localhost:5672//"),
        upload=UploadSettings(
            embedding_url=AnyHttpUrl("http://emb:emb%22p%C3%A4ss@127.0.0.1:9/v1"),
            chat_url=AnyHttpUrl("http://chat-token@127.0.0.1:9"),
        ),
        reports=ReportsSettings(webhook_url=AnyHttpUrl("https://hooks.example/services/T0/B0/XyZ")),
    )

    secrets = settings.secrets()

    for expected in ("redis-pass", "rabbit:rabbit-pass", 'emb"päss', "emb%22p%C3%A4ss", "chat-token"):
        assert expected in secrets
    assert "https://hooks.example/services/T0/B0/XyZ" in secrets
    assert "/services/T0/B0/XyZ" in secrets
    assert "localhost" not in secrets


def test_settings_repr_shows_no_credentials() -> None:
    settings = Settings(
        redis_url=AnyUrl("redis://:redis-pass@localhost:6379/0"),
        upload=UploadSettings(chat_url=AnyHttpUrl("http://u:chat-pass@127.0.0.1:9/?token=q-token")),
        reports=ReportsSettings(webhook_url=AnyHttpUrl("https://hooks.example/services/T0/B0/XyZ")),
    )

    shown = repr(settings) + str(settings)

    for secret in ("redis-pass", "chat-pass", "q-token", "XyZ"):
        assert secret not in shown
    assert "localhost:6379" in shown


def test_credential_holders_keep_credentials_out_of_their_repr() -> None:
    app = AppCredentials(app_id=1, private_key="-----BEGIN PRIVATE KEY-----", installation_id=2)
    app._token = "ghs_cached_token"
    holders = [
        TokenCredentials("ghp_secret_token"),
        app,
        OpenAIEmbedder("http://u:embed-pass@h/v1/embeddings", "m", "sk-embed-key", 16, "openai-m"),
    ]

    shown = " ".join(repr(holder) for holder in holders)

    for secret in ("ghp_secret_token", "BEGIN PRIVATE KEY", "ghs_cached_token", "embed-pass", "sk-embed-key"):
        assert secret not in shown
