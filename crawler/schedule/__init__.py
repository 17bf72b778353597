"""Schedules: when each source is crawled (rhythm, event windows), and the run lock.

``model`` is the YAML schema, ``timetable`` computes fire times, ``plans`` pairs sources
with their effective schedules, ``runlock`` keeps two runs of one source apart. The Celery
side (the redbeat scheduler, its entries, the task's use of the lock) is in ``tasks/``.
"""

from __future__ import annotations

from crawler.schedule.model import EventWindow, Schedule, effective_schedule
from crawler.schedule.timetable import Timetable

__all__ = ["EventWindow", "Schedule", "Timetable", "effective_schedule"]
