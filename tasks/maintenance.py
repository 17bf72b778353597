"""Maintenance on schedule: ``pantau.enrich`` and ``pantau.purge_raw`` on queue ``maintenance``.

The beat sends both (tasks/beat_entries.py) every ``PANTAU_ENRICH_INTERVAL`` and
``PANTAU_PURGE_RAW_INTERVAL`` seconds; every `pantau worker` serves the queue unless started
with ``--no-maintenance``. Crawls enrich their posts as they write them (language, regions,
watchlist flags); these tasks do what a crawl cannot:

- ``pantau.enrich`` runs `pantau enrich` over the posts written since the last run, so their
  near-duplicate clusters (across every source) are current. The beat sends the watchlists of
  its sources file with it (crawler.enrich.watchmap); when their digest differs from the one
  the last run recorded in Redis (``pantau:enrich:watchlists``), every stored post is
  re-flagged (clusters are not rebuilt: they do not depend on watchlists).
- ``pantau.purge_raw`` removes raw markup older than ``PANTAU_RAW_RETENTION_DAYS``.

Each holds a PostgreSQL advisory lock while it works (the same as `pantau enrich` and
`pantau purge-raw`): a second one finds it taken and returns ``skipped``. Messages expire
after one interval, so a busy queue does not pile them up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from celery.utils.log import get_task_logger

from crawler.config.settings import get_settings
from crawler.config.sources import ConfigError, load_sources
from crawler.enrich.stored import EnrichBusy, EnrichOptions, enrich_stored
from crawler.enrich.watchmap import WatchlistMap
from crawler.storage.db import DatabaseUnavailable, connect
from crawler.storage.enrichment import PurgeBusy, purge_raw_exclusive
from tasks.app import ENRICH_TASK, PURGE_RAW_TASK, app
from tasks.runlock import redis_client

log = get_task_logger(__name__)
DIGEST_KEY = "pantau:enrich:watchlists"
RETRY = {"autoretry_for": (DatabaseUnavailable,), "retry_backoff": 5,
         "retry_backoff_max": 60, "max_retries": 3}


def _database_url() -> str:
    url = get_settings().database_url
    if not url:
        raise RuntimeError("PANTAU_DATABASE_URL is not set")
    return url


def _own_watchlists() -> WatchlistMap | None:
    """The watchlists of this worker's PANTAU_CONFIG file, if it has a readable one."""
    path = get_settings().config
    if path is None or not path.is_file():
        return None
    try:
        return WatchlistMap.of(load_sources(path))
    except ConfigError as err:
        log.error("enrich: the sources file is not used: %s", err)
        return None


@app.task(name=ENRICH_TASK, ignore_result=False, **RETRY)
def enrich_new_posts(watchlists: dict[str, Any] | None = None) -> dict[str, Any]:
    """Enrich and cluster the posts written since the last run; re-flag every post when the
    watchlists changed. ``watchlists``: a :class:`WatchlistMap` as JSON (the beat's file);
    without it, this worker's own sources file."""
    mapping = WatchlistMap.from_json(watchlists) if watchlists is not None else (
        _own_watchlists())
    if mapping is None:  # enriching without watchlists would drop the crawls' flags
        log.warning("enrich skipped: no watchlists (the beat sends them; else set "
                    "PANTAU_CONFIG on the worker)")
        return {"status": "skipped", "reason": "no sources file"}
    settings = get_settings()
    digest = mapping.digest()
    client = redis_client()
    rebuild = client.get(DIGEST_KEY) != digest
    options = EnrichOptions(rebuild=rebuild, recluster=False,
                            batch_size=settings.enrich_batch_size,
                            threshold=settings.neardup_threshold,
                            min_words=settings.neardup_min_words)
    try:
        stats = enrich_stored(_database_url(), options, mapping)
    except EnrichBusy as err:
        log.info("enrich skipped: %s", err)
        return {"status": "skipped", "reason": str(err)}
    client.set(DIGEST_KEY, digest)
    log.info("enrich: %d posts%s, %d flagged, %d texts compared, %d clusters changed",
             stats.posts, " (watchlists changed: all re-flagged)" if rebuild else "",
             stats.flagged, stats.signatures, len(stats.clusters))
    return {"status": "done", "reflagged_all": rebuild, "posts": stats.posts,
            "flagged": stats.flagged, "signatures": stats.signatures,
            "clusters": len(stats.clusters)}


@app.task(name=PURGE_RAW_TASK, ignore_result=False, **RETRY)
def purge_raw(days: int | None = None) -> dict[str, Any]:
    """Remove the raw markup of posts first seen more than ``days`` (default
    ``PANTAU_RAW_RETENTION_DAYS``) days ago; 0 keeps it."""
    keep = days if days is not None else get_settings().raw_retention_days
    if keep <= 0:
        return {"status": "skipped", "reason": "retention 0: raw markup is kept"}
    before = datetime.now(UTC) - timedelta(days=keep)
    with connect(_database_url(), autocommit=True) as conn:
        try:
            purged = purge_raw_exclusive(conn, before)
        except PurgeBusy as err:
            log.info("purge_raw skipped: %s", err)
            return {"status": "skipped", "reason": str(err)}
    log.info("purge_raw: raw markup removed from %d posts first seen before %s", purged,
             before.isoformat())
    return {"status": "done", "posts": purged, "before": before.isoformat()}
