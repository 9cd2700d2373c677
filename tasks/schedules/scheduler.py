"""RedBeat, taught to store CronSchedule entries and to outlive a Redis outage.

RedBeat's JSON codec knows only Celery's own schedules; and a Redis error in its tick
ends the beat process. Here beat waits for Redis instead, then carries on leading if its
lock survived, takes the lock again if it expired and is free, or stands by.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from typing import Any, Final

import redis
from redbeat.decoder import RedBeatJSONDecoder, RedBeatJSONEncoder
from redbeat.schedulers import RedBeatScheduler, RedBeatSchedulerEntry, get_redis
from redis.exceptions import LockError

from tasks.schedules.cron import CronSchedule

log = logging.getLogger(__name__)

#: How often a beat cut off from Redis, or standing by after an outage, tries again.
RETRY_S = 1.0

#: Where each beat records when it last ticked (leading or standing by), one key per host;
#: kept a day, so a beat that stopped ticking is told from one that never led.
TICK_KEY_PREFIX: Final = "tasks:beat:tick:"
TICK_TTL_S: Final = 86_400


def tick_key(hostname: str) -> str:
    return TICK_KEY_PREFIX + hostname


class Encoder(RedBeatJSONEncoder):  # type: ignore[misc]
    def default(self, obj: Any) -> Any:
        if isinstance(obj, CronSchedule):
            return {"__type__": "cron", "expression": obj.expression}
        return super().default(obj)


class Decoder(RedBeatJSONDecoder):  # type: ignore[misc]
    def dict_to_object(self, d: dict[str, Any]) -> Any:
        if d.get("__type__") == "cron":
            return CronSchedule(d["expression"])
        return super().dict_to_object(d)


class Entry(RedBeatSchedulerEntry):  # type: ignore[misc]
    @staticmethod
    def decode_definition(definition: str) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(definition, cls=Decoder)
        return decoded

    def save(self) -> Entry:
        definition = {
            "name": self.name,
            "task": self.task,
            "args": self.args,
            "kwargs": self.kwargs,
            "options": self.options,
            "schedule": self.schedule,
            "enabled": self.enabled,
        }
        meta = {"last_run_at": self.last_run_at}
        with get_redis(self.app).pipeline() as pipe:
            pipe.hset(self.key, "definition", json.dumps(definition, cls=Encoder))
            pipe.hsetnx(self.key, "meta", json.dumps(meta, cls=RedBeatJSONEncoder))
            pipe.zadd(self.app.redbeat_conf.schedule_key, {self.key: self.score})
            pipe.execute()
        return self


class Scheduler(RedBeatScheduler):  # type: ignore[misc]
    """The platform's beat scheduler: `celery -A tasks beat` uses it."""

    Entry = Entry

    def tick(self, *args: Any, **kwargs: Any) -> float:
        try:
            interval: float = super().tick(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            log.warning("beat: Redis unavailable (%s); retrying in %s s", error, RETRY_S)
            return RETRY_S
        except LockError:
            interval = self._reacquire()
        self._record_tick()
        return interval

    def _record_tick(self) -> None:
        """For `celery -A tasks beat-health`: this beat's loop is alive and reaches Redis."""
        try:
            get_redis(self.app).set(tick_key(socket.gethostname()), f"{time.time():.3f}", ex=TICK_TTL_S)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            log.warning("beat: tick not recorded (%s)", error)

    def _reacquire(self) -> float:
        """The lock expired while Redis was away: lead again if it is free, else stand by."""
        if self.lock.acquire(blocking=False):
            log.info("beat: Acquired lock")
            return 0.0
        log.info("beat: another beat leads; standing by")
        return RETRY_S
