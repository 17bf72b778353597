"""The beat's maintenance entries: ``pantau.enrich`` and ``pantau.purge_raw`` at fixed intervals.

``pantau:beat:maintenance:enrich`` and ``pantau:beat:maintenance:purge-raw`` (celery-redbeat
interval entries on queue ``maintenance``) are written next to the source entries at every
sync (tasks/beat.py, `pantau schedule sync`) from ``PANTAU_ENRICH_INTERVAL`` and
``PANTAU_PURGE_RAW_INTERVAL`` (0 removes the entry). The enrich entry carries the sources
file's watchlists (crawler.enrich.watchmap): a changed watchlist changes the entry, and the
next run re-flags every stored post (tasks/maintenance.py). Each message expires after one
interval, so messages do not pile up behind a busy queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import Celery
from celery.schedules import schedule

from crawler.config.settings import Settings, get_settings
from crawler.config.sources import SourcesFile
from crawler.enrich.watchmap import WatchlistMap
from tasks.app import ENRICH_TASK, MAINTENANCE_QUEUE, PURGE_RAW_TASK
from tasks.beat_entries import SourceEntry, SyncReport, stored_state, sync_entries

MAINTENANCE_PREFIX = "maintenance:"


@dataclass(frozen=True)
class MaintenanceJob:
    """One periodic maintenance task: its entry name, task, interval (0: off) and args."""

    name: str
    task: str
    interval: int
    args: tuple[Any, ...] = ()


def maintenance_jobs(settings: Settings, parsed: SourcesFile | None) -> list[MaintenanceJob]:
    """The maintenance tasks the settings ask for, switched off ones included."""
    watchlists = (WatchlistMap.of(parsed).to_json(),) if parsed is not None else ()
    return [MaintenanceJob("enrich", ENRICH_TASK, settings.enrich_interval, watchlists),
            MaintenanceJob("purge-raw", PURGE_RAW_TASK, settings.purge_raw_interval)]


def maintenance_entry(app: Celery, job: MaintenanceJob) -> SourceEntry:
    """The redbeat entry of a job that is on."""
    return SourceEntry(
        name=MAINTENANCE_PREFIX + job.name, task=job.task,
        schedule=schedule(run_every=timedelta(seconds=job.interval), app=app),
        args=list(job.args), kwargs={},
        options={"queue": MAINTENANCE_QUEUE, "expires": float(job.interval)}, app=app)


def sync_maintenance(app: Celery, parsed: SourcesFile | None, settings: Settings | None = None,
                     now: datetime | None = None) -> SyncReport:
    """Make the maintenance entries in Redis match the settings (and the file's watchlists)."""
    jobs = maintenance_jobs(settings or get_settings(), parsed)
    entries = [maintenance_entry(app, job) for job in jobs if job.interval > 0]
    return sync_entries(app, MAINTENANCE_PREFIX, entries, now)


def maintenance_state(app: Celery, settings: Settings, client: Any = None) -> list[dict[str, Any]]:
    """Per job: name, task, queue, interval and, when ``client`` (a decoding redis-py
    client) is given, its state in Redis (:func:`tasks.beat_entries.stored_state`)."""
    rows = []
    for job in maintenance_jobs(settings, None):
        state = (stored_state(app, job.name, client, MAINTENANCE_PREFIX)
                 if client is not None else None)
        rows.append({"name": job.name, "task": job.task, "queue": MAINTENANCE_QUEUE,
                     "every_seconds": job.interval, "redis": state})
    return rows
