"""The beat's entries in Redis (celery-redbeat), written from the sources file.

One entry per scheduled source, ``pantau:beat:source:<name>``: task ``pantau.crawl_source``
with the source's definition, on its queue, under a :class:`WindowedSchedule` (the rhythm
plus event windows of crawler.schedule, stored as JSON next to redbeat's own types).
:func:`sync_schedule` makes Redis match a sources file: new sources are added (first fire
at their next slot), changed ones rewritten (keeping when they last fired), and entries of
sources that left the file, were disabled or lost their schedule are removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from celery.schedules import BaseSchedule, schedstate
from redbeat.decoder import RedBeatJSONDecoder, RedBeatJSONEncoder
from redbeat.schedulers import RedBeatSchedulerEntry, ensure_conf, get_redis

from crawler.config.sources import SourcesFile
from crawler.schedule.model import Schedule
from crawler.schedule.plans import SourcePlan, blocked_plans, scheduled_plans
from crawler.schedule.timetable import Timetable
from tasks.app import crawl_queue

ENTRY_PREFIX = "source:"
CRAWL_TASK = "pantau.crawl_source"
IDLE_CHECK = 3600.0  # seconds between checks of a schedule with no fire time left
_TYPE = "pantau-windowed"
_EARLIEST = datetime(1999, 12, 31, tzinfo=UTC)  # before every anchor: 'long ago'


class WindowedSchedule(BaseSchedule):
    """A Celery schedule firing at a :class:`Timetable`'s times (rhythm + event windows).

    redbeat computes an entry's due time as ``last_run_at + remaining_estimate(last_run_at)``,
    so :meth:`remaining_estimate` measures from ``last_run_at`` to the next slot after it.
    """

    def __init__(self, schedule: Schedule | dict[str, Any], zone: str, nowfun: Any = None,
                 app: Celery | None = None) -> None:
        super().__init__(nowfun=nowfun, app=app)
        self.spec = schedule if isinstance(schedule, Schedule) else Schedule.model_validate(
            schedule)
        self.zone = zone
        self.timetable = Timetable(self.spec, zone)

    def now(self) -> datetime:
        """Aware UTC now (or ``nowfun()``)."""
        return self.nowfun() if self.nowfun else datetime.now(UTC)

    @property
    def tz(self) -> Any:
        return UTC

    def to_json(self) -> dict[str, Any]:
        """The stored form: the effective schedule and the region's zone."""
        return {"schedule": self.spec.model_dump(mode="json"), "zone": self.zone}

    def slot_after(self, last_run_at: datetime | None) -> datetime | None:
        """The first slot after ``last_run_at`` (naive means UTC; None: long ago)."""
        moment = last_run_at or _EARLIEST
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return self.timetable.next_after(max(moment, _EARLIEST))

    def remaining_estimate(self, last_run_at: datetime) -> timedelta | None:
        slot = self.slot_after(last_run_at)
        if slot is None:
            return None  # redbeat: no more runs
        start = last_run_at if last_run_at.tzinfo else last_run_at.replace(tzinfo=UTC)
        return slot - max(start, _EARLIEST)

    def is_due(self, last_run_at: datetime) -> schedstate:
        now = self.now()
        slot = self.slot_after(last_run_at)
        if slot is None:
            return schedstate(False, IDLE_CHECK)
        if slot > now:
            return schedstate(False, (slot - now).total_seconds())
        following = self.timetable.next_after(now)
        return schedstate(True, (following - now).total_seconds() if following else IDLE_CHECK)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WindowedSchedule):
            return self.to_json() == other.to_json()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<WindowedSchedule {self.timetable.describe()} in {self.zone}>"


class PantauJSONEncoder(RedBeatJSONEncoder):
    """redbeat's encoder plus :class:`WindowedSchedule`."""

    def default(self, o: Any) -> Any:
        if isinstance(o, WindowedSchedule):
            return {"__type__": _TYPE, **o.to_json()}
        return super().default(o)


class PantauJSONDecoder(RedBeatJSONDecoder):
    """redbeat's decoder plus :class:`WindowedSchedule`."""

    def dict_to_object(self, d: dict[str, Any]) -> Any:
        if d.get("__type__") == _TYPE:
            return WindowedSchedule(d["schedule"], d["zone"])
        return super().dict_to_object(d)


class SourceEntry(RedBeatSchedulerEntry):
    """A redbeat entry whose definition may hold a :class:`WindowedSchedule`."""

    @staticmethod
    def decode_definition(definition: Any) -> Any:
        return json.loads(definition, cls=PantauJSONDecoder)

    def definition(self) -> dict[str, Any]:
        """What :meth:`save` stores under ``definition``."""
        return {"name": self.name, "task": self.task, "args": self.args,
                "kwargs": self.kwargs, "options": self.options, "schedule": self.schedule,
                "enabled": self.enabled}

    def save(self) -> SourceEntry:
        """redbeat's save with this module's encoder (``meta`` is kept if present)."""
        meta = {"last_run_at": self.last_run_at}
        with get_redis(self.app).pipeline() as pipe:
            pipe.hset(self.key, "definition", json.dumps(self.definition(),
                                                         cls=PantauJSONEncoder))
            pipe.hsetnx(self.key, "meta", json.dumps(meta, cls=RedBeatJSONEncoder))
            pipe.zadd(self.app.redbeat_conf.schedule_key, {self.key: self.score})
            pipe.execute()
        return self


def entry_for(app: Celery, plan: SourcePlan) -> SourceEntry:
    """The beat entry of a scheduled source."""
    assert plan.schedule is not None
    source = plan.source
    return SourceEntry(
        name=ENTRY_PREFIX + source.name, task=CRAWL_TASK,
        schedule=WindowedSchedule(plan.schedule, plan.zone, app=app),
        args=[source.model_dump(mode="json")], kwargs={},
        options={"queue": crawl_queue(source.region, browser=source.browser)}, app=app)


@dataclass
class SyncReport:
    """What :func:`sync_schedule` changed, by source name."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # scheduled sources left out for their terms note: name -> reason (crawler/config/terms.py)
    blocked: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """``2 added, 1 changed, 0 removed, 5 unchanged`` (``, 1 blocked by terms``)."""
        blocked = f", {len(self.blocked)} blocked by terms" if self.blocked else ""
        return (f"{len(self.added)} added, {len(self.changed)} changed, "
                f"{len(self.removed)} removed, {len(self.unchanged)} unchanged{blocked}")


def entry_keys(app: Celery, kind: str = ENTRY_PREFIX) -> set[str]:
    """The Redis keys of the entries of ``kind`` (source entries) now stored (indexed or not)."""
    conf = ensure_conf(app)
    client = get_redis(app)
    prefix = conf.key_prefix + kind
    indexed = {k for k in client.zrange(conf.schedule_key, 0, -1) if k.startswith(prefix)}
    return indexed | set(client.scan_iter(match=prefix + "*"))


def sync_schedule(app: Celery, parsed: SourcesFile, now: datetime | None = None) -> SyncReport:
    """Make the beat's source entries in Redis match ``parsed``; idempotent."""
    report = sync_entries(app, ENTRY_PREFIX,
                          [entry_for(app, p) for p in scheduled_plans(parsed)], now)
    report.blocked = blocked_plans(parsed)
    return report


def sync_entries(app: Celery, kind: str, entries: list[SourceEntry],
                 now: datetime | None = None) -> SyncReport:
    """Make the stored entries named ``kind``... match ``entries``: add, rewrite (keeping
    when they last fired), remove the others; idempotent."""
    conf = ensure_conf(app)
    client = get_redis(app)
    now = now or datetime.now(UTC)
    report = SyncReport()
    wanted = {entry.key: entry for entry in entries}
    for key, entry in wanted.items():
        name = entry.name.removeprefix(kind)
        stored = client.hget(key, "definition")
        new = json.loads(json.dumps(entry.definition(), cls=PantauJSONEncoder))
        if stored is not None and json.loads(stored) == new:
            if client.zscore(conf.schedule_key, key) is None:  # lost its index: restore it
                entry.last_run_at = SourceEntry.from_key(key, app=app).last_run_at or now
                entry.save()
            report.unchanged.append(name)
            continue
        last = SourceEntry.load_meta(key, app=app).get("last_run_at") if stored else None
        entry.last_run_at = last or now  # a new entry fires first at its next slot
        entry.save()
        (report.changed if stored is not None else report.added).append(name)
    for key in sorted(entry_keys(app, kind) - set(wanted)):
        with client.pipeline() as pipe:
            pipe.zrem(conf.schedule_key, key)
            pipe.delete(key)
            pipe.execute()
        report.removed.append(key.removeprefix(conf.key_prefix + kind))
    return report


def stored_state(app: Celery, name: str, client: Any = None,
                 kind: str = ENTRY_PREFIX) -> dict[str, Any]:
    """A source entry's state in Redis, or ``{}`` if it has none: ``last_run_at`` (when it
    last fired, or was added), ``due_at``, ``runs`` (fires so far) and ``last_fired``.

    ``client``: a redis-py client with ``decode_responses`` (default: redbeat's).
    """
    conf = ensure_conf(app)
    client = client or get_redis(app)
    key = conf.key_prefix + kind + name
    if not client.exists(key):
        return {}
    meta = SourceEntry.decode_meta(client.hget(key, "meta"))
    score = client.zscore(conf.schedule_key, key)
    due = datetime.fromtimestamp(score, UTC) if score is not None and score >= 0 else None
    runs = int(meta.get("total_run_count") or 0)  # redbeat counts fires; a sync does not
    return {"last_run_at": meta.get("last_run_at"), "due_at": due, "runs": runs,
            "last_fired": meta.get("last_run_at") if runs else None}
