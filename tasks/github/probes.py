"""The `github` dependency check: the API answers, and how much of the rate limit is left."""

from __future__ import annotations

from datetime import UTC, datetime

from tasks.core.probe import CheckResult
from tasks.github.auth import credentials_from
from tasks.github.client import GitHubClient
from tasks.github.errors import NotConfigured, RateLimited
from tasks.settings import Settings

#: Bound on the probe; /rate_limit itself costs nothing against the limit.
PROBE_TIMEOUT_S = 3.0
#: Below this share of the hourly budget the check reports `degraded`.
LOW_BUDGET_SHARE = 0.1


def check_github(settings: Settings) -> CheckResult:
    github = settings.github
    if not github.repositories:
        return CheckResult("not_configured", "no repositories configured")
    try:
        credentials = credentials_from(github)
    except NotConfigured as error:
        return CheckResult("unhealthy", str(error))
    client = GitHubClient(str(github.api_url), credentials, min(github.request_timeout_s, PROBE_TIMEOUT_S))
    try:
        core = client.request("GET", "/rate_limit")["resources"]["core"]
    except RateLimited as error:
        return CheckResult("degraded", f"rate limited: {error}")
    finally:
        client.close()
    remaining, limit = int(core["remaining"]), int(core["limit"])
    reset = datetime.fromtimestamp(int(core["reset"]), UTC).strftime("%H:%M:%SZ")
    message = f"rate limit: {remaining}/{limit} requests left, resets at {reset}"
    low = remaining < limit * LOW_BUDGET_SHARE
    return CheckResult("degraded" if low else "healthy", message)
