"""``pantau beat``'s scheduler: celery-redbeat, fed from the sources file.

Only the beat that holds redbeat's lock in Redis (``pantau:beat::lock``) ticks; a second
``pantau beat`` waits for the lock and takes over ``PANTAU_BEAT_LOCK_TIMEOUT`` seconds after
the first one died, so no slot is sent twice. The active beat syncs the entries from the
sources file at its first tick, whenever the file's content changed (checked every
``PANTAU_SCHEDULE_RELOAD`` seconds) and on SIGHUP; a file with a mistake is logged and the
current schedule kept. Workers need no restart: every message carries its source.

Every sync also writes the maintenance entries (``pantau.enrich``, ``pantau.purge_raw``;
tasks/beat_maintenance.py). Each message of a slot expires at the source's next slot, so a
slot no worker took in time is dropped instead of piling up behind a busy queue, and carries
its slot time in the header ``pantau_slot``.
"""

from __future__ import annotations

import hashlib
import signal
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from celery.utils.log import get_logger
from redbeat import RedBeatScheduler

from crawler.config.settings import get_settings
from crawler.config.sources import ConfigError, load_sources
from tasks.beat_entries import SourceEntry, WindowedSchedule, sync_schedule
from tasks.beat_maintenance import sync_maintenance

log = get_logger("pantau.beat")
RELOAD = threading.Event()  # set by SIGHUP: sync at the next tick


def request_reload(*_: Any) -> None:
    """Signal handler: re-read the sources file at the next tick."""
    RELOAD.set()


def install_reload_signal() -> None:
    """SIGHUP makes the beat re-read its sources file (call from the main thread)."""
    signal.signal(signal.SIGHUP, request_reload)


def slot_options(entry: Any, now: datetime) -> dict[str, Any]:
    """The entry's message options for the slot it fires now: expiry and slot header."""
    sched: WindowedSchedule = entry.schedule
    slot = sched.slot_after(entry.last_run_at) or now
    following = sched.timetable.next_after(max(now, slot))
    headers = {**entry.options.get("headers", {}), "pantau_slot": slot.isoformat()}
    options = {**entry.options, "headers": headers}
    if following is not None:
        options["expires"] = following
    return options


class PantauScheduler(RedBeatScheduler):
    """redbeat with :class:`SourceEntry` entries and reloads of the sources file."""

    Entry = SourceEntry

    def __init__(self, app: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(app, *args, **kwargs)
        self._digest: str | None = None  # of the sources file last synced (or rejected)
        self._next_check = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> Any:
        self.maybe_reload()
        return super().tick(*args, **kwargs)

    def maybe_reload(self) -> bool:
        """Sync from the sources file if it is due and changed (or SIGHUP); True if synced."""
        forced = RELOAD.is_set()
        interval = get_settings().schedule_reload
        now = time.monotonic()
        if not forced and self._digest is not None and (interval <= 0 or now < self._next_check):
            return False
        self._next_check = now + interval
        RELOAD.clear()
        path = get_settings().config
        if path is None:
            if self._digest is None:
                log.warning("beat: no sources file (PANTAU_CONFIG); only the entries already "
                            "in Redis and the maintenance tasks are scheduled")
                self._digest = ""
                sync_maintenance(self.app, None)
            return False
        return self._sync_from(Path(path), forced)

    def _sync_from(self, path: Path, forced: bool) -> bool:
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as err:
            log.error("beat: schedule not reloaded, the current one stays: cannot read %s: %s",
                      path, err.strerror or err)
            return False
        if digest == self._digest and not forced:
            return False
        self._digest = digest  # a rejected file is not re-read until it changes
        try:
            parsed = load_sources(path)
        except ConfigError as err:
            log.error("beat: schedule not reloaded, the current one stays: %s", err)
            return False
        report = sync_schedule(self.app, parsed)
        for name, reason in report.blocked.items():
            log.warning("beat: source %s not scheduled: %s", name, reason)
        upkeep = sync_maintenance(self.app, parsed)
        log.info("beat: schedule synced from %s: %s; maintenance: %s", path, report.summary(),
                 upkeep.summary())
        return True

    def apply_async(self, entry: Any, producer: Any = None, advance: bool = True,
                    **kwargs: Any) -> Any:
        if isinstance(entry.schedule, WindowedSchedule):
            # entry is this tick's copy loaded from Redis; its options are not stored back
            entry.options = slot_options(entry, entry.schedule.now())
            log.info("beat: slot %s of %s -> %s (expires %s)",
                     entry.options["headers"]["pantau_slot"], entry.name,
                     entry.options.get("queue"), entry.options.get("expires"))
        return super().apply_async(entry, producer, advance, **kwargs)
