"""What the monitor remembers per repository, in Redis: open pull requests and what was done.

- `tasks:github:pulls:{repo}`: hash, number -> PullState as JSON;
- `tasks:github:analysed:{repo}:{check_run_id}`: a failed check run already queued for analysis;
- `tasks:github:analyses:{repo}:{number}`: hash, check_run_id -> the analysis shown in the comment;
- `tasks:github:comment:{repo}:{number}`: the id of the platform's summary comment;
- `tasks:github:repair:{repo}:{head_sha}:{scope}:{strategy}`: a repair already queued automatically (scope: the
  check for a re-run, empty for a commit, which covers the whole head), holding the check that queued it;
- `tasks:github:reruns:{repo}:{head_sha}`: how many `rerun_failed_jobs` repairs were queued for a head;
- `tasks:github:delivery:{delivery_id}`: a webhook delivery already handled;
- `tasks:github:webhook-body:{sha256}`: a signed webhook body already accepted (its delivery id is
  not signed, so a captured body could otherwise be replayed under new ids).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from tasks.redis_client import get_redis, key

#: How long "already analysed" marks are kept.
MARK_TTL_S = 30 * 86_400


class PullState(BaseModel):
    number: int
    head_sha: str
    head_ref: str = ""
    updated_at: str = ""
    #: The head SHA and the combined state seen by the last `pr.check_pull_request`.
    checked_sha: str | None = None
    checked_state: str | None = None

    @classmethod
    def from_api(cls, pull: dict[str, Any]) -> PullState:
        return cls(
            number=int(pull["number"]),
            head_sha=str(pull["head"]["sha"]),
            head_ref=str(pull["head"].get("ref", "")),
            updated_at=str(pull.get("updated_at") or ""),
        )


def pulls_key(repository: str) -> str:
    return key("github", "pulls", repository)


def load_pulls(repository: str) -> dict[int, PullState]:
    raw = get_redis().hgetall(pulls_key(repository))
    return {int(number): PullState.model_validate_json(value) for number, value in raw.items()}


def load_pull(repository: str, number: int) -> PullState | None:
    raw = get_redis().hget(pulls_key(repository), str(number))
    return PullState.model_validate_json(raw) if raw else None


def detect_changes(previous: dict[int, PullState], current: dict[int, PullState]) -> tuple[list[int], list[int]]:
    """Pull requests that are new or moved (head SHA or update time), and those no longer open."""
    changed = [
        number
        for number, pull in sorted(current.items())
        if number not in previous
        or previous[number].head_sha != pull.head_sha
        or previous[number].updated_at != pull.updated_at
    ]
    closed = sorted(set(previous) - set(current))
    return changed, closed


def merge(previous: dict[int, PullState], current: dict[int, PullState]) -> dict[int, PullState]:
    """Current pull requests, keeping what was checked when the head has not moved."""
    merged = {}
    for number, pull in current.items():
        old = previous.get(number)
        if old is not None and old.head_sha == pull.head_sha:
            pull = pull.model_copy(update={"checked_sha": old.checked_sha, "checked_state": old.checked_state})
        merged[number] = pull
    return merged


def save_pulls(repository: str, pulls: dict[int, PullState], closed: list[int]) -> None:
    pipe = get_redis().pipeline()
    if pulls:
        pipe.hset(pulls_key(repository), mapping={str(n): p.model_dump_json() for n, p in pulls.items()})
    if closed:
        pipe.hdel(pulls_key(repository), *[str(number) for number in closed])
    pipe.execute()


def save_pull(repository: str, pull: PullState) -> None:
    get_redis().hset(pulls_key(repository), str(pull.number), pull.model_dump_json())


def forget_pull(repository: str, number: int) -> None:
    pipe = get_redis().pipeline()
    pipe.hdel(pulls_key(repository), str(number))
    pipe.delete(analyses_key(repository, number))
    pipe.execute()


def claim_check_run(repository: str, check_run_id: int) -> bool:
    """True the first time a failed check run is seen: it is then queued for analysis once."""
    return bool(get_redis().set(key("github", "analysed", repository, str(check_run_id)), "1", nx=True, ex=MARK_TTL_S))


def claim_repair(repository: str, head_sha: str, scope: str, strategy: str, check_name: str, ttl_s: int) -> str | None:
    """Claim a repair of the head for `scope` (a check's name, or "" for the whole head).

    None when this call claimed it; otherwise the name of the check that did first.
    """
    name = key("github", "repair", repository, head_sha, scope, strategy)
    if get_redis().set(name, check_name, nx=True, ex=ttl_s):
        return None
    return str(get_redis().get(name) or check_name)


def count_rerun(repository: str, head_sha: str, ttl_s: int) -> int:
    """Count one more automatic re-run of the head; the count so far (this one included)."""
    pipe = get_redis().pipeline()
    name = key("github", "reruns", repository, head_sha)
    pipe.incr(name)
    pipe.expire(name, ttl_s)
    return int(pipe.execute()[0])


def claim_delivery(delivery_id: str, ttl_s: int) -> bool:
    """True the first time a webhook delivery is seen."""
    return bool(get_redis().set(key("github", "delivery", delivery_id), "1", nx=True, ex=ttl_s))


def release_delivery(delivery_id: str) -> None:
    get_redis().delete(key("github", "delivery", delivery_id))


def body_key(body_sha256: str) -> str:
    return key("github", "webhook-body", body_sha256)


def claim_body(body_sha256: str, ttl_s: int) -> bool:
    """True the first time a signed webhook body is seen, whatever its delivery id."""
    return bool(get_redis().set(body_key(body_sha256), "1", nx=True, ex=ttl_s))


def release_body(body_sha256: str) -> None:
    get_redis().delete(body_key(body_sha256))


def analyses_key(repository: str, number: int) -> str:
    return key("github", "analyses", repository, str(number))


def save_analysis(repository: str, number: int, check_run_id: int, analysis: dict[str, Any]) -> None:
    get_redis().hset(analyses_key(repository, number), str(check_run_id), json.dumps(analysis))


def load_analyses(repository: str, number: int) -> list[dict[str, Any]]:
    raw = get_redis().hgetall(analyses_key(repository, number))
    return [json.loads(raw[run_id]) for run_id in sorted(raw, key=int)]


def comment_key(repository: str, number: int) -> str:
    return key("github", "comment", repository, str(number))
