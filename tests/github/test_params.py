"""Repository names the pull-request tasks accept: GitHub's own rules, nothing that steps out of a URL path."""

from __future__ import annotations

import pytest
from pydantic import ValidationError


@pytest.mark.parametrize("name", ["acme/widgets", "acme/.github", "acme/...", "acme/..x", "a/" + "x" * 100])
def test_names_github_allows_are_taken(name: str) -> None:
    from tasks.github.params import RepositoryParams

    assert RepositoryParams(repository=name).repository == name


@pytest.mark.parametrize("name", ["acme/..", "acme/.", "../acme/widgets", "acme/widgets/pulls", "a/" + "x" * 101])
def test_names_that_would_leave_the_repository_are_refused(name: str) -> None:
    from tasks.github.params import RepositoryParams

    with pytest.raises(ValidationError, match="repository"):
        RepositoryParams(repository=name)


def test_force_refresh_is_off_unless_asked_and_must_be_a_boolean() -> None:
    from tasks.github.params import CheckPullParams

    assert CheckPullParams(repository="acme/widgets", number=1).force_refresh is False
    assert CheckPullParams(repository="acme/widgets", number=1, force_refresh=True).force_refresh is True
    with pytest.raises(ValidationError, match="force_refresh"):
        CheckPullParams.model_validate({"repository": "acme/widgets", "number": 1, "force_refresh": "sometimes"})
