"""The Prometheus collector: every scrape reads PostgreSQL and Redis, so the numbers are the
durable truth of the whole cluster, not the memory of one process.

Per-source counters come from ``crawl_totals`` (one row per source and region, kept by the
trigger of migration 0004 when runs end), open runs and shards from partial indexes of
``crawl_runs``/``crawl_shards``, queue depths from the broker. Labels are bounded:
``source``, ``region``, error ``kind``, run ``status``, post ``change``, ``queue``, alert
``rule``. A backend that fails a scrape is reported by ``pantau_exporter_up`` = 0 and its
series are left out of that scrape; the endpoint itself keeps answering.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import psycopg
import redis
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString
from psycopg.rows import dict_row

from crawler.metrics.queues import QueueDepth, queue_region
from crawler.storage.db import DatabaseUnavailable, connect

log = logging.getLogger("pantau.metrics")
# Upper bounds (seconds) of pantau_run_duration_seconds; the same as migration 0004's.
DURATION_BUCKETS = (10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400)
RUN_STATUSES = ("succeeded", "failed", "revoked", "timeout")
POST_CHANGES = ("new", "edited", "unchanged", "deleted")
STATEMENT_TIMEOUT_MS = 5000
SOURCE = ["source", "region"]

OPEN_RUNS = ("SELECT source, coalesce(region, '') AS region, status, count(*) AS n"
             " FROM crawl_runs WHERE status IN ('queued', 'running') GROUP BY 1, 2, 3")
OPEN_SHARDS = ("SELECT r.source, coalesce(r.region, '') AS region, s.status, count(*) AS n"
               " FROM crawl_shards s JOIN crawl_runs r ON r.id = s.run_id"
               " WHERE s.status IN ('queued', 'running') GROUP BY 1, 2, 3")
ALERTS = "SELECT rule, status, count(*) AS n FROM alerts_sent GROUP BY 1, 2"


class PantauCollector:
    """A prometheus_client custom collector (register it with a ``CollectorRegistry``)."""

    def __init__(self, database_url: str | None, queues: QueueDepth | None) -> None:
        self.database_url = database_url
        self.queue_depth = queues

    def describe(self) -> Iterable[Metric]:
        """Nothing: registering must not query the database (names are checked at scrape)."""
        return []

    def collect(self) -> Iterator[Metric]:
        started = time.monotonic()
        up = GaugeMetricFamily("pantau_exporter_up", "1 when the backend answered this "
                               "scrape, 0 when it failed (its series are missing).",
                               labels=["backend"])
        for backend, read in (("postgresql", self._postgres), ("redis", self._redis)):
            families, ok = _guarded(backend, read)
            up.add_metric([backend], 1.0 if ok else 0.0)
            yield from families
        yield up
        yield GaugeMetricFamily("pantau_exporter_scrape_duration_seconds",
                                "Seconds this scrape took to query PostgreSQL and Redis.",
                                value=time.monotonic() - started)

    def _postgres(self) -> list[Metric]:
        if not self.database_url:
            raise DatabaseUnavailable("(unset)", "PANTAU_DATABASE_URL is not set")
        with connect(self.database_url, autocommit=True,
                     options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}") as conn, \
                conn.cursor(row_factory=dict_row) as cur:
            totals = cur.execute("SELECT * FROM crawl_totals ORDER BY source, region").fetchall()
            open_runs = cur.execute(OPEN_RUNS).fetchall()
            open_shards = cur.execute(OPEN_SHARDS).fetchall()
            alerts = cur.execute(ALERTS).fetchall()
        return [*totals_families(totals), *open_families(open_runs, open_shards),
                alert_family(alerts)]

    def _redis(self) -> list[Metric]:
        if self.queue_depth is None:
            raise redis.ConnectionError("PANTAU_REDIS_URL is not set")
        depth = GaugeMetricFamily("pantau_queue_messages", "Crawl tasks waiting in the "
                                  "queue (all priorities).", labels=["queue", "region"])
        for queue, n in self.queue_depth.depths().items():
            depth.add_metric([queue, queue_region(queue)], float(n))
        unacked = GaugeMetricFamily("pantau_queue_unacked_messages", "Tasks taken by "
                                    "workers and not acknowledged yet (running or "
                                    "prefetched), all queues.", value=self.queue_depth.unacked())
        return [depth, unacked]


def _guarded(backend: str, read: Callable[[], list[Metric]]) -> tuple[list[Metric], bool]:
    try:
        return read(), True
    except (psycopg.Error, DatabaseUnavailable, redis.RedisError, OSError) as err:
        log.warning("metrics: %s failed this scrape: %s", backend, err)
        return [], False


def totals_families(rows: list[dict[str, Any]]) -> list[Metric]:
    """The per-source counters, histogram and gauges of ``crawl_totals`` rows."""
    pages = CounterMetricFamily("pantau_pages", "Pages fetched by crawl runs that ended.",
                                labels=SOURCE)
    seen = CounterMetricFamily("pantau_posts_seen", "Posts extracted by crawl runs that "
                               "ended (stored or not).", labels=SOURCE)
    posts = CounterMetricFamily("pantau_posts", "Posts written by crawl runs that ended, by "
                                "change: new, edited, unchanged, deleted.",
                                labels=[*SOURCE, "change"])
    errors = CounterMetricFamily("pantau_errors", "Errors of crawl runs that ended, by kind "
                                 "(http, network, parse, item, storage, other).",
                                 labels=[*SOURCE, "kind"])
    runs = CounterMetricFamily("pantau_runs", "Crawl runs that ended, by final status.",
                               labels=[*SOURCE, "status"])
    duration = HistogramMetricFamily("pantau_run_duration_seconds", "Wall time of crawl runs "
                                     "from start to end (sharded: all shards).", labels=SOURCE)
    last_ok = GaugeMetricFamily("pantau_last_success_timestamp_seconds", "When the source's "
                                "last successful run ended (Unix time; 0: never).",
                                labels=SOURCE)
    last_end = GaugeMetricFamily("pantau_last_run_timestamp_seconds", "When the source's "
                                 "last run ended (Unix time), whatever its status.",
                                 labels=SOURCE)
    streak = GaugeMetricFamily("pantau_consecutive_failed_runs", "Runs of the source that "
                               "failed or timed out since its last success.", labels=SOURCE)
    for row in rows:
        key = [row["source"], row["region"]]
        pages.add_metric(key, float(row["pages"]))
        seen.add_metric(key, float(row["items"]))
        for change in POST_CHANGES:
            posts.add_metric([*key, change], float(row[f"posts_{change}"]))
        for kind, n in sorted(row["errors_by_kind"].items()):
            errors.add_metric([*key, kind], float(n))
        for status in RUN_STATUSES:
            runs.add_metric([*key, status], float(row["runs_by_status"].get(status, 0)))
        duration.add_metric(key, histogram_buckets(row["duration_buckets"]),
                            float(row["duration_sum"]))
        last_ok.add_metric(key, _timestamp(row["last_success_at"]))
        last_end.add_metric(key, _timestamp(row["last_finished_at"]))
        streak.add_metric(key, float(row["consecutive_failures"]))
    return [pages, seen, posts, errors, runs, duration, last_ok, last_end, streak]


def histogram_buckets(counts: list[int]) -> list[tuple[str, float]]:
    """Cumulative ``(le, count)`` pairs from per-bucket counts (the last one is +Inf)."""
    if len(counts) != len(DURATION_BUCKETS) + 1:
        raise ValueError(f"expected {len(DURATION_BUCKETS) + 1} duration buckets, "
                         f"got {len(counts)}: migration and collector disagree")
    bounds = [*(floatToGoString(b) for b in DURATION_BUCKETS), "+Inf"]
    total, out = 0, []
    for bound, n in zip(bounds, counts, strict=True):
        total += int(n)
        out.append((bound, float(total)))
    return out


def open_families(runs: list[dict[str, Any]], shards: list[dict[str, Any]]) -> list[Metric]:
    """Runs and shards that are queued or running now."""
    open_runs = GaugeMetricFamily("pantau_runs_open", "Crawl runs queued or running now.",
                                  labels=[*SOURCE, "status"])
    for row in runs:
        open_runs.add_metric([row["source"], row["region"], row["status"]], float(row["n"]))
    open_shards = GaugeMetricFamily("pantau_shards_open", "Shards of sharded runs queued or "
                                    "running now.", labels=[*SOURCE, "status"])
    for row in shards:
        open_shards.add_metric([row["source"], row["region"], row["status"]], float(row["n"]))
    return [open_runs, open_shards]


def alert_family(rows: list[dict[str, Any]]) -> Metric:
    """Alert deliveries recorded in ``alerts_sent``, by rule and outcome."""
    family = CounterMetricFamily("pantau_alerts", "Alert deliveries by rule and outcome "
                                 "(sent, failed, logged).", labels=["rule", "status"])
    for row in rows:
        family.add_metric([row["rule"], row["status"]], float(row["n"]))
    return family


def _timestamp(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0
