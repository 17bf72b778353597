"""The ``schedule`` block of a region or a source: a rhythm and event windows.

```yaml
schedule:
  every: 6h                  # or cron: "0 */2 * * *" (in the region's time zone)
  windows:
    - {name: pilkada, around: 2024-11-27, before: 3d, after: 7d, every: 15m}
```

A region's schedule is the default of its sources; a source's own block overrides it field
by field (:func:`effective_schedule`). The fire times themselves are computed by
:class:`crawler.schedule.timetable.Timetable`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from croniter import CroniterBadDateError, croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crawler.schedule.durations import strict_duration

WINDOW_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
CRON_ALIASES = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
CRON_HINT = "five fields: minute hour day-of-month month day-of-week, e.g. '0 */2 * * *'"
MIN_EVERY = timedelta(seconds=1)


def check_cron(value: str) -> str:
    """A five-field cron expression (or an alias like ``@daily``) that fires at all."""
    expr = " ".join(value.split())
    if expr not in CRON_ALIASES and (len(expr.split(" ")) != 5 or "H" in expr.upper()
                                     or not croniter.is_valid(expr)):
        raise ValueError(f"not a cron expression {value!r} ({CRON_HINT})")
    try:
        croniter(expr, datetime(2000, 1, 1)).get_next(datetime)
    except (CroniterBadDateError, ValueError):
        raise ValueError(f"cron expression {value!r} never fires") from None
    return expr


class _Rule(BaseModel):
    """How often: ``every`` (a duration) or ``cron`` (an expression), not both."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    every: timedelta | None = Field(
        default=None, description="Crawl at this interval, e.g. 15m, 6h, 1d (at least 1s); "
        "the slots are counted from 2000-01-01 00:00 in the region's time zone, so 6h means "
        "00:00, 06:00, 12:00 and 18:00 there.")
    cron: str | None = Field(
        default=None, description="Crawl at the times of this cron expression (five fields), "
        "read in the region's time zone, e.g. '0 */2 * * *'.")

    @field_validator("every", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return strict_duration(value) if value is not None else None

    @field_validator("every")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < MIN_EVERY:
            raise ValueError("must be at least 1s")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return check_cron(value) if value is not None else None

    @model_validator(mode="after")
    def _one_rule(self) -> _Rule:
        if self.every is not None and self.cron is not None:
            raise ValueError("give either every or cron, not both")
        return self

    @property
    def has_rule(self) -> bool:
        """Whether ``every`` or ``cron`` is set."""
        return self.every is not None or self.cron is not None


class EventWindow(_Rule):
    """Around an event (an election day), crawl at another rhythm.

    The window starts at 00:00 of day ``around - before`` and ends at 24:00 of day
    ``around + after``, in the region's time zone; inside it, its own ``every``/``cron``
    replaces the normal rhythm.
    """

    name: str = Field(description="Names the window in `pantau schedule list`, e.g. pilkada.")
    around: date = Field(description="The event's day, e.g. 2024-11-27.")
    before: timedelta = Field(default=timedelta(0), description="How long before the day "
                              "the window opens, e.g. 3d (default 0: from 00:00 that day).")
    after: timedelta = Field(default=timedelta(0), description="How long after the day the "
                             "window stays open, e.g. 7d (default 0: until 24:00 that day).")

    @field_validator("before", "after", mode="before")
    @classmethod
    def _margin(cls, value: Any) -> Any:
        return strict_duration(value)

    @field_validator("before", "after")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("must not be negative")
        return value

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not WINDOW_NAME.match(value):
            raise ValueError("use lowercase letters, digits, '.', '_' or '-' (max 63)")
        return value

    @model_validator(mode="after")
    def _needs_a_rule(self) -> EventWindow:
        if not self.has_rule:
            raise ValueError("give every or cron (how often to crawl inside the window)")
        return self


class Schedule(_Rule):
    """When a source is crawled: a rhythm, event windows, or ``manual: true``."""

    windows: list[EventWindow] = Field(
        default_factory=list, description="Event windows: a different rhythm around a date.")
    manual: bool = Field(default=False, description="true: never scheduled (a source that "
                         "opts out of its region's schedule); `pantau crawl` still works.")

    @model_validator(mode="after")
    def _says_something(self) -> Schedule:
        if self.manual and (self.has_rule or self.windows):
            raise ValueError("manual: true takes no every, cron or windows")
        if not (self.manual or self.has_rule or "windows" in self.model_fields_set):
            raise ValueError("give every or cron (and optionally windows), or manual: true")
        names = [w.name for w in self.windows]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"window name {doubled[0]!r} used twice")
        return self


def effective_schedule(region: Schedule | None, source: Schedule | None) -> Schedule | None:
    """The schedule a source follows: its own fields over its region's.

    ``every``/``cron`` count as one field (a source giving either replaces both), as do
    ``windows`` (a source's list replaces the region's; ``windows: []`` drops them).
    ``manual: true`` on the source means no schedule at all. None: not scheduled.
    """
    if source is None:
        return region if region is not None and not region.manual else None
    if source.manual:
        return None
    base = region if region is not None and not region.manual else None
    rule = source if source.has_rule or base is None else base
    own_windows = "windows" in source.model_fields_set or base is None
    windows = source.windows if own_windows or base is None else base.windows
    if not rule.has_rule and not windows:
        return None
    return Schedule.model_validate({"every": rule.every, "cron": rule.cron,
                                    "windows": [w.model_dump() for w in windows]})
