"""Fire times of a schedule: its rhythm outside event windows, each window's inside it.

All arithmetic is on aware datetimes in UTC; the zone only places the wall-clock things:
cron fields, the 00:00 edges of windows, and the anchor of ``every`` (2000-01-01 00:00
local). In zones without daylight saving time (WIB, WITA, WIT) ``every: 6h`` therefore
fires at 00:00, 06:00, 12:00 and 18:00 local; in a zone with DST ``every`` keeps steps of
equal length while cron follows the wall clock.

Overlapping windows fire at the union of their times. A window is half-open: a normal slot
falling exactly on its end fires.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from crawler.schedule.durations import format_duration
from crawler.schedule.model import Schedule

EPSILON = timedelta(microseconds=1)
ANCHOR_DAY = date(2000, 1, 1)


@dataclass(frozen=True)
class Rule:
    """``every`` steps from ``anchor``, or a ``cron`` expression read in ``zone``."""

    zone: ZoneInfo
    anchor: datetime
    every: timedelta | None = None
    cron: str | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The first fire time strictly after ``moment`` (aware), in UTC."""
        if self.every is not None:
            steps = 0 if moment < self.anchor else (moment - self.anchor) // self.every + 1
            return (self.anchor + steps * self.every).astimezone(UTC)
        assert self.cron is not None
        local = moment.astimezone(self.zone)
        if local.microsecond:  # croniter drops fractions: never return ``moment`` itself
            local = local.replace(microsecond=0)
        found = croniter(self.cron, local).get_next(datetime)
        return found.astimezone(UTC)

    def describe(self) -> str:
        """``every 6h`` or ``cron 0 */2 * * *``."""
        return f"every {format_duration(self.every)}" if self.every else f"cron {self.cron}"


@dataclass(frozen=True)
class Window:
    """An event window: ``rule`` applies in [start, end)."""

    name: str
    start: datetime
    end: datetime
    rule: Rule

    def covers(self, moment: datetime) -> bool:
        """Whether ``moment`` lies inside the window."""
        return self.start <= moment < self.end

    def next_after(self, moment: datetime) -> datetime | None:
        """The window's first fire time strictly after ``moment``, or None past its end."""
        if moment >= self.end:
            return None
        found = self.rule.next_after(max(moment, self.start - EPSILON))
        return found if found < self.end else None


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """00:00 of ``day`` in ``zone``, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


class Timetable:
    """The fire times of one schedule in one time zone."""

    def __init__(self, schedule: Schedule, zone: str) -> None:
        self.schedule = schedule
        self.zone = ZoneInfo(zone)
        anchor = local_midnight(ANCHOR_DAY, self.zone)
        self.base: Rule | None = (
            Rule(self.zone, anchor, schedule.every, schedule.cron) if schedule.has_rule
            else None)
        windows = []
        for spec in schedule.windows:
            start = local_midnight(spec.around, self.zone) - spec.before
            end = local_midnight(spec.around + timedelta(days=1), self.zone) + spec.after
            windows.append(Window(spec.name, start, end,
                                  Rule(self.zone, start, spec.every, spec.cron)))
        self.windows = sorted(windows, key=lambda w: (w.start, w.name))

    def window_at(self, moment: datetime) -> Window | None:
        """The (earliest-starting) event window that covers ``moment``, or None."""
        return next((w for w in self.windows if w.covers(moment)), None)

    def next_after(self, moment: datetime) -> datetime | None:
        """The first fire time strictly after ``moment`` (aware), in UTC; None: no more."""
        if moment.tzinfo is None:
            raise ValueError("next_after needs an aware datetime")
        found = [t for w in self.windows if (t := w.next_after(moment)) is not None]
        if self.base is not None:
            slot = self.base.next_after(moment)
            for _ in range(len(self.windows) + 1):  # each window can push the slot once
                inside = self.window_at(slot)
                if inside is None:
                    found.append(slot)
                    break
                slot = self.base.next_after(inside.end - EPSILON)
        return min(found) if found else None

    def upcoming(self, moment: datetime, count: int) -> list[datetime]:
        """The next ``count`` fire times after ``moment`` (fewer if the schedule ends)."""
        return list(self._iterate(moment, count))

    def _iterate(self, moment: datetime, count: int) -> Iterator[datetime]:
        for _ in range(count):
            nxt = self.next_after(moment)
            if nxt is None:
                return
            yield nxt
            moment = nxt

    def describe(self) -> str:
        """The normal rhythm, e.g. ``every 6h``; ``only in windows`` when there is none."""
        return self.base.describe() if self.base else "only in windows"

    def describe_window(self, window: Window) -> str:
        """``pilkada: every 15m, 2024-11-24 00:00 - 2024-12-05 00:00 WIB``."""
        start, end = window.start.astimezone(self.zone), window.end.astimezone(self.zone)
        return (f"{window.name}: {window.rule.describe()}, {start:%Y-%m-%d %H:%M} - "
                f"{end:%Y-%m-%d %H:%M} {end.tzname()}")
