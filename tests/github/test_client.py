"""The client against the fake GitHub, in this process: pagination, ETags, rate limits, errors."""

from __future__ import annotations

import time

import pytest

from tasks.github import ratelimit
from tasks.github.auth import TokenCredentials
from tasks.github.client import MAX_LOG_BYTES, GitHubClient
from tasks.github.errors import GitHubUnavailable, LogTooLarge, NotFound, RateLimited
from tests.github.conftest import TOKEN
from tests.github.fake_github import FakeGitHub
from tests.harness.services import free_port


def test_lists_follow_pagination_and_unchanged_pages_are_304(client: GitHubClient, repo_name: str) -> None:
    fake = FakeGitHub(token=TOKEN, per_page_max=2).start()
    try:
        paged = GitHubClient(fake.url, TokenCredentials(TOKEN), timeout_s=5)
        repo = fake.add_repo(repo_name)
        for number in range(1, 6):
            fake.add_pull(repo, number)

        first, first_unchanged = paged.get_all(f"/repos/{repo_name}/pulls", {"state": "open"})
        second, second_unchanged = paged.get_all(f"/repos/{repo_name}/pulls", {"state": "open"})

        assert [pull["number"] for pull in first] == [1, 2, 3, 4, 5] and not first_unchanged
        assert second == first and second_unchanged
        assert [r.status for r in fake.recorded()] == [200, 200, 200, 304, 304, 304]
        assert fake.counted() == 3
        assert all(r.authorization == f"Bearer {TOKEN}" for r in fake.recorded())
    finally:
        paged.close()
        fake.stop()


def test_primary_rate_limit_blocks_every_caller_until_the_reset(
    fake: FakeGitHub, client: GitHubClient, repo_name: str
) -> None:
    fake.add_repo(repo_name)
    fake.refuse_next(1, 403, reset_in_s=3)

    with pytest.raises(RateLimited) as refused:
        client.get(f"/repos/{repo_name}/pulls")
    with pytest.raises(RateLimited) as held_back:
        client.get(f"/repos/{repo_name}/pulls")

    reset = int(fake.recorded()[0].reply_headers["X-RateLimit-Reset"])
    assert refused.value.retry_after_s == pytest.approx(reset - time.time() + ratelimit.RESET_MARGIN_S, abs=0.5)
    assert refused.value.counts_as_attempt is False
    assert held_back.value.retry_after_s is not None and 0 < held_back.value.retry_after_s <= 5
    assert len(fake.recorded()) == 1, "a call during the limit must not reach GitHub"


def test_secondary_limit_waits_for_retry_after(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    fake.add_repo(repo_name)
    fake.refuse_next(1, 429, retry_after_s=7)

    with pytest.raises(RateLimited) as refused:
        client.get(f"/repos/{repo_name}/pulls")

    assert refused.value.retry_after_s == 7 + ratelimit.RESET_MARGIN_S


def test_spending_the_last_request_blocks_until_the_reset(
    fake: FakeGitHub, client: GitHubClient, repo_name: str
) -> None:
    fake.add_repo(repo_name)
    fake.rate_remaining = 1

    client.get(f"/repos/{repo_name}/pulls")
    with pytest.raises(RateLimited):
        client.get(f"/repos/{repo_name}/pulls/1")

    assert len(fake.recorded()) == 1


def test_errors_are_classified_and_never_show_the_token(fake: FakeGitHub, client: GitHubClient) -> None:
    with pytest.raises(NotFound) as missing:
        client.get("/repos/acme/nothing-here/pulls")
    closed = GitHubClient(f"http://127.0.0.1:{free_port()}", TokenCredentials(TOKEN), timeout_s=1)
    with pytest.raises(GitHubUnavailable) as unreachable:
        closed.get("/rate_limit")
    closed.close()

    assert "404" in str(missing.value) and "/repos/acme/nothing-here/pulls" in str(missing.value)
    assert TOKEN not in str(missing.value) and TOKEN not in str(unreachable.value)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_job_logs_past_the_download_limit_are_not_read(fake: FakeGitHub, repo_name: str, chunked: bool) -> None:
    from tasks.github.monitor import fetch_failure_text

    fake.chunked_logs = chunked
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 1)
    small = fake.add_check_run(repo, head, "tests", "failure", log="FAILED x\n" + "y" * 3_000_000)
    huge = fake.add_check_run(
        repo, head, "tests", "failure", log="z" * 5_000_000, output={"title": "3 failed", "summary": "", "text": ""}
    )
    github = GitHubClient(fake.url, TokenCredentials(TOKEN), timeout_s=5, log_max_download_bytes=4_000_000)

    tail = github.get_text(f"/repos/{repo_name}/actions/jobs/{small}/logs")
    with pytest.raises(LogTooLarge, match="4000000"):
        github.get_text(f"/repos/{repo_name}/actions/jobs/{huge}/logs")
    text = fetch_failure_text(github, repo_name, repo.check_runs[huge])
    github.close()

    assert len(tail) == MAX_LOG_BYTES and tail == "y" * MAX_LOG_BYTES
    assert text.startswith("3 failed") and "The job log was not read: " in text
