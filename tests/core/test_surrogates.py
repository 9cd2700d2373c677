"""Finding text no UTF-8 consumer can take, by where it sits in a task's arguments."""

from __future__ import annotations

from typing import Any

import pytest

from tasks.core.surrogates import surrogate_path


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"source": "fine", "filename": "a\ud800b"}, "filename"),
        ({"payload": {"repository": {"full_name": "\udfff"}}}, "payload.repository.full_name"),
        ({"payload": {"list": ["ok", "\ud800"]}}, "payload.list.1"),
        ({"\ud800key": 1}, "'\\ud800key'"),
        ({"source": "é漢🙂\u202e", "n": 5, "x": None}, None),
    ],
)
def test_the_first_lone_surrogate_is_found_by_its_path(kwargs: dict[str, Any], path: str | None) -> None:
    assert surrogate_path(kwargs) == path
