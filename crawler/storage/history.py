"""Crawl history for operators, read from ``crawl_runs``: recent runs and per-source health.

Flower forgets everything when it restarts; these queries are what ``pantau status`` shows.
Health is derived from the runs themselves (no table of its own): a source's last success,
its current streak of failures, and its last error.

*Consecutive failures* counts the runs that ended ``failed`` or ``timeout`` after the
source's last ``succeeded`` run, by the time they finished; a ``revoked`` run (an operator's
decision) neither counts nor ends the streak. The *last error* is the reason of the newest
(highest id) run that failed or timed out; the *last run* is the newest run of all.
"""

from __future__ import annotations

from typing import Any

from psycopg.rows import dict_row

from crawler.storage._conn import ConnOrPool, transaction

FAILURES = ("failed", "timeout")

# The newest `per_source` runs of each source, grouped by region and source: each source's
# runs are read newest first through the (source, id DESC) index.
RECENT_RUNS = """
SELECT r.*,
       extract(epoch FROM coalesce(r.finished_at, now()) - r.started_at) AS duration_seconds
FROM (SELECT DISTINCT source FROM crawl_runs
      WHERE %(source)s::text IS NULL OR source = %(source)s) s
CROSS JOIN LATERAL (
    SELECT c.* FROM crawl_runs c
    WHERE c.source = s.source
      AND (%(region)s::text IS NULL OR c.region = %(region)s
           OR c.region LIKE %(region)s || '.%%')
    ORDER BY c.id DESC LIMIT %(per_source)s
) r
ORDER BY coalesce(r.region, ''), r.source, r.id DESC
"""

# One row per source: its latest run, last success, failure streak and last error. Two
# passes over crawl_runs (a run history of 200,000 rows: docs/benchmarks.md).
HEALTH = """
WITH per_source AS (
    SELECT source, count(*) AS runs,
           count(*) FILTER (WHERE status IN ('queued', 'running')) AS active,
           max(id) AS last_run_id,
           max(id) FILTER (WHERE status IN ('failed', 'timeout')) AS last_error_run_id,
           max(finished_at) FILTER (WHERE status = 'succeeded') AS last_success_at
    FROM crawl_runs
    WHERE %(source)s::text IS NULL OR source = %(source)s
    GROUP BY source
),
streak AS (
    SELECT r.source, count(*) AS consecutive_failures
    FROM crawl_runs r JOIN per_source p USING (source)
    WHERE r.status IN ('failed', 'timeout')
      AND (p.last_success_at IS NULL OR r.finished_at > p.last_success_at)
    GROUP BY r.source
)
SELECT p.source, l.region, p.last_run_id, l.status AS last_status,
       coalesce(l.finished_at, l.started_at, l.queued_at) AS last_run_at, p.last_success_at,
       coalesce(k.consecutive_failures, 0) AS consecutive_failures,
       e.reason AS last_error, e.finished_at AS last_error_at, p.last_error_run_id,
       p.runs, p.active
FROM per_source p
JOIN crawl_runs l ON l.id = p.last_run_id
LEFT JOIN crawl_runs e ON e.id = p.last_error_run_id
LEFT JOIN streak k ON k.source = p.source
WHERE %(region)s::text IS NULL OR l.region = %(region)s OR l.region LIKE %(region)s || '.%%'
ORDER BY coalesce(l.region, ''), p.source
"""


def health_state(row: dict[str, Any]) -> str:
    """A word for a source's health: ``ok``, ``failing``, ``never succeeded`` or ``new``."""
    if row.get("consecutive_failures"):
        return "failing" if row.get("last_success_at") else "never succeeded"
    if row.get("last_success_at"):
        return "ok"
    return "new"


class History:
    """Read-only views of ``crawl_runs`` for ``pantau status`` and scripts."""

    def __init__(self, conn_or_pool: ConnOrPool) -> None:
        self._db = conn_or_pool

    def recent_runs(self, per_source: int = 5, source: str | None = None,
                    region: str | None = None) -> list[dict[str, Any]]:
        """The newest ``per_source`` runs of each source, by region, source and newest first.

        ``region`` also matches its sub-regions (``62`` matches ``62.71``). Each row is a
        whole ``crawl_runs`` row plus ``duration_seconds`` (so far, for a running crawl;
        None before it started).
        """
        if per_source < 1:
            raise ValueError(f"per_source must be at least 1, not {per_source}")
        params = {"per_source": per_source, "source": source, "region": region}
        with transaction(self._db) as conn, conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(RECENT_RUNS, params).fetchall()
        for row in rows:
            if row["duration_seconds"] is not None:
                row["duration_seconds"] = round(float(row["duration_seconds"]), 3)
        return rows

    def health(self, source: str | None = None,
               region: str | None = None) -> list[dict[str, Any]]:
        """One row per source that has runs: see the module's docstring; plus ``health``."""
        with transaction(self._db) as conn, conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(HEALTH, {"source": source, "region": region}).fetchall()
        for row in rows:
            row["health"] = health_state(row)
        return rows
