"""Which sources of a sources file are scheduled, how, and in which time zone."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from crawler.schedule.model import Schedule, effective_schedule
from crawler.schedule.timetable import Timetable

if TYPE_CHECKING:
    from crawler.config.sources import Source, SourcesFile


@dataclass(frozen=True)
class SourcePlan:
    """A source (region and time zone filled in), its effective schedule and its zone.

    The zone is the region's: schedules follow the office's clock, while a source's own
    ``timezone`` only says how to read the dates its pages show.
    """

    source: Source
    schedule: Schedule | None
    zone: str

    @property
    def scheduled(self) -> bool:
        """Whether the beat crawls this source: enabled, not blocked by its terms note
        (crawler/config/terms.py) and with a schedule."""
        return (self.source.enabled and self.source.terms_block is None
                and self.schedule is not None)

    @cached_property
    def timetable(self) -> Timetable | None:
        """The source's fire times, or None when it is not scheduled."""
        return Timetable(self.schedule, self.zone) if self.scheduled and self.schedule else None


def source_plans(parsed: SourcesFile) -> list[SourcePlan]:
    """Every source of the file, in file order, with its schedule (None: not scheduled)."""
    resolved = {s.name: s for s in parsed.sources()}
    return [
        SourcePlan(resolved[source.name], effective_schedule(region.schedule, source.schedule),
                   region.timezone)
        for region in parsed.regions for source in region.sources
    ]


def blocked_plans(parsed: SourcesFile) -> dict[str, str]:
    """Sources with a schedule that the beat skips for their terms note: name -> reason."""
    return {plan.source.name: plan.source.terms_block for plan in source_plans(parsed)
            if plan.source.enabled and plan.schedule is not None
            and plan.source.terms_block is not None}


def scheduled_plans(parsed: SourcesFile) -> list[SourcePlan]:
    """The sources the beat crawls (enabled, with a schedule)."""
    return [plan for plan in source_plans(parsed) if plan.scheduled]
