"""RedBeat, taught to store CronSchedule entries (its JSON codec knows only Celery's own)."""

from __future__ import annotations

import json
from typing import Any

from redbeat.decoder import RedBeatJSONDecoder, RedBeatJSONEncoder
from redbeat.schedulers import RedBeatScheduler, RedBeatSchedulerEntry, get_redis

from tasks.schedules.cron import CronSchedule


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
