"""The periodic alert check as a Celery task: ``pantau.check_alerts`` (beat schedules it).

Like ``pantau alerts check``: evaluate every rule, deliver what fires (rate-limited), record
it in ``alerts_sent``. Two checks at once are harmless: the second finds the advisory lock
taken and returns ``skipped``. Workers do not read the sources file, so the regions'
``alerts:`` blocks travel with the task (``regions``, as beat reads them from the file);
without them, a worker's own ``PANTAU_CONFIG`` file is used when it has one, else only the
``PANTAU_ALERT_*`` settings.
"""

from __future__ import annotations

from typing import Any

from celery import Task
from celery.utils.log import get_task_logger

from crawler.alerts.check import run_check
from crawler.alerts.config import load_config
from crawler.config.settings import get_settings
from crawler.storage.db import DatabaseUnavailable
from tasks.app import app

log = get_task_logger(__name__)


@app.task(bind=True, name="pantau.check_alerts", autoretry_for=(DatabaseUnavailable,),
          retry_backoff=5, retry_backoff_max=60, max_retries=3, ignore_result=False)
def check_alerts(self: Task, regions: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one alert check; ``regions`` maps region codes to their ``alerts:`` blocks."""
    settings = get_settings()
    if not settings.database_url:
        raise RuntimeError("PANTAU_DATABASE_URL is not set")
    own_file = settings.config if settings.config and settings.config.is_file() else None
    config = load_config(settings, own_file if regions is None else None, regions)
    report = run_check(settings.database_url, config)
    if report.skipped:
        log.info("alert check skipped: %s", report.skipped)
    else:
        counts = {k: v for k, v in report.as_dict()["counts"].items() if v}
        log.info("alert check: %s", ", ".join(f"{n} {s}" for s, n in counts.items()) or
                 "nothing fires")
    return report.as_dict()
