"""Questions a chunk answers, written by an OpenAI-compatible chat model."""

from __future__ import annotations

import re

from tasks.core.openai_http import endpoint, post_json
from tasks.settings import UploadSettings
from tasks.upload.errors import ChatUnavailable

_NUMBERING = re.compile(r"^\s*(?:[-*•]|\d+[.)]|Q\d*[:.])\s*")


def prompt(text: str, count: int) -> str:
    return (
        f"Write {count} distinct questions that the following passage answers. "
        f"Reply with one question per line and nothing else.\n\nPassage:\n{text}"
    )


def parse_questions(reply: str, count: int) -> list[str]:
    lines = (_NUMBERING.sub("", line).strip() for line in reply.splitlines())
    return [line for line in lines if line][:count]


def generate(text: str, count: int, settings: UploadSettings) -> list[str]:
    if settings.chat_url is None:
        raise ChatUnavailable("TASKS_UPLOAD__CHAT_URL is not set")
    key = settings.chat_api_key.get_secret_value() if settings.chat_api_key else None
    body = {
        "model": settings.chat_model or "default",
        "messages": [{"role": "user", "content": prompt(text, count)}],
        "temperature": 0,
    }
    answer = post_json(endpoint(str(settings.chat_url), "/chat/completions"), body, key, ChatUnavailable)
    return parse_questions(str(answer["choices"][0]["message"]["content"]), count)
