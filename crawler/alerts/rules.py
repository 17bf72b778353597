"""The alert rules: each reads PostgreSQL and returns the alerts that fire now.

- ``failed_runs``: a source's last N runs failed (``crawl_totals.consecutive_failures``,
  kept by the trigger of migration 0004: failed and timeout count, succeeded resets,
  revoked is skipped).
- ``silent_break``: runs still succeed, but posts per page fell far below the source's own
  history (a markup change that the parser half survives).
- ``watchlist_spike``: the last full hour's posts flagged with a watchlist term are far above
  that term's hourly baseline.

The two run rules judge only sources with a run that ended in the last 7 days. The
statistics are described in docs/operations.md ("Alerts by webhook").
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row

from crawler.alerts import Alert
from crawler.alerts.config import AlertConfig

Conn = psycopg.Connection[Any]
# A source with no run that ended in this long is not judged by the run rules: it was
# removed from the sources file or paused (Prometheus' stale-source rule covers it).
ACTIVE_WITHIN = timedelta(days=7)


def failed_runs(conn: Conn, config: AlertConfig, now: datetime | None = None) -> list[Alert]:
    """Sources whose last ``failed_runs`` runs (in the order they ended) all failed."""
    alerts = []
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SELECT source, region, consecutive_failures FROM crawl_totals"
                    " WHERE consecutive_failures > 0 AND last_finished_at >= %s"
                    " ORDER BY source, region", (_active_since(now),))
        streaks = cur.fetchall()
        for row in streaks:
            needed = config.thresholds(row["region"]).failed_runs
            if row["consecutive_failures"] < needed:
                continue
            cur.execute(
                "SELECT id, status, reason, finished_at FROM crawl_runs"
                " WHERE source = %s AND coalesce(region, '') = %s"
                " AND status IN ('failed', 'timeout') ORDER BY id DESC LIMIT 1",
                (row["source"], row["region"]))
            last = cur.fetchone() or {}
            where = f" (region {row['region']})" if row["region"] else ""
            alerts.append(Alert(
                rule="failed_runs", subject=row["source"], region=row["region"] or None,
                message=(f"pantau: source {row['source']}{where} failed "
                         f"{row['consecutive_failures']} runs in a row; last: run "
                         f"{last.get('id')} {last.get('status')}: "
                         f"{(last.get('reason') or 'no reason recorded')[:300]}"),
                details={"consecutive_failures": row["consecutive_failures"],
                         "threshold": needed, "last_run": last.get("id"),
                         "last_reason": last.get("reason"),
                         "last_finished_at": _iso(last.get("finished_at"))},
            ))
    return alerts


SILENT_RUNS = """
SELECT t.source, t.region, k.deep, r.id, r.pages, r.items
FROM crawl_totals t
CROSS JOIN (VALUES (true), (false)) AS k (deep)
CROSS JOIN LATERAL (
    SELECT c.id, c.pages, c.items FROM crawl_runs c
    WHERE c.source = t.source AND coalesce(c.region, '') = t.region AND c.deep = k.deep
      AND c.status = 'succeeded' AND c.pages >= %(min_pages)s
    ORDER BY c.id DESC LIMIT %(limit)s) AS r
WHERE t.last_finished_at >= %(since)s
ORDER BY t.source, t.region, k.deep DESC, r.id DESC
"""


def silent_break(conn: Conn, config: AlertConfig, now: datetime | None = None) -> list[Alert]:
    """Sources whose latest successful runs yield far fewer posts per page than they used to.

    Deep and incremental runs are judged apart (an incremental run fetches list pages with
    no posts, so it yields less per page by nature). For each kind: the newest K runs with
    at least ``silent_min_pages`` pages are the recent ones, the up to H runs before them the
    history; with at least ``silent_min_history`` of those, the rule fires when every recent
    run's posts per page is below ``silent_ratio`` times the history's median.
    """
    first = config.thresholds(None)
    recent_n, history_n = first.silent_runs, first.silent_history
    series: dict[tuple[str, str, bool], list[tuple[int, float]]] = defaultdict(list)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(SILENT_RUNS, {"min_pages": first.silent_min_pages,
                                  "limit": recent_n + history_n, "since": _active_since(now)})
        for row in cur.fetchall():
            series[(row["source"], row["region"], row["deep"])].append(
                (row["id"], row["items"] / row["pages"]))
    alerts: dict[tuple[str, str], Alert] = {}
    for (source, region, deep), runs in series.items():
        limits = config.thresholds(region)
        recent, history = runs[:recent_n], runs[recent_n:]
        if len(recent) < recent_n or len(history) < limits.silent_min_history:
            continue
        median = statistics.median(y for _, y in history)
        floor = limits.silent_ratio * median
        if median <= 0 or any(y >= floor for _, y in recent) or (source, region) in alerts:
            continue
        kind = "deep" if deep else "incremental"
        where = f" (region {region})" if region else ""
        yields = ", ".join(f"{y:.2f}" for _, y in recent)
        alerts[(source, region)] = Alert(
            rule="silent_break", subject=source, region=region or None,
            message=(f"pantau: source {source}{where} may have broken silently: its last "
                     f"{recent_n} {kind} runs yielded {yields} posts per page, below "
                     f"{limits.silent_ratio:.0%} of its median {median:.2f} over "
                     f"{len(history)} earlier runs. Check the site's markup "
                     f"(`pantau extract URL`)."),
            details={"kind": kind, "recent_runs": [i for i, _ in recent],
                     "recent_yields": [round(y, 4) for _, y in recent],
                     "median": round(median, 4), "history_runs": len(history),
                     "ratio": limits.silent_ratio},
        )
    return list(alerts.values())


SPIKE_COUNTS = """
SELECT region, term,
       floor(extract(epoch FROM p.at - %(start)s) / 3600)::int AS slot,
       count(DISTINCT p.uid) AS posts
FROM (SELECT uid, watchlist_flags, region_codes, coalesce(published_at, first_seen_at) AS at
      FROM posts
      WHERE watchlist_flags <> '{}'
        AND coalesce(published_at, first_seen_at) >= %(start)s
        AND coalesce(published_at, first_seen_at) < %(end)s) AS p
CROSS JOIN LATERAL unnest(p.watchlist_flags) AS term
CROSS JOIN LATERAL unnest(CASE WHEN p.region_codes = '{}' THEN ARRAY['']
                               ELSE p.region_codes END) AS region
GROUP BY 1, 2, 3
"""


def watchlist_spike(conn: Conn, config: AlertConfig, now: datetime | None = None
                    ) -> list[Alert]:
    """Watchlist terms whose count in the last full hour is far above their baseline.

    Posts count in the hour they were published (first seen, when the page showed no date),
    once per region code they carry. The baseline is the ``spike_hours`` hours before that
    hour, empty hours included: the rule fires when the hour's count is at least
    ``spike_min_count`` and above mean + ``spike_stddevs`` x (population) standard deviation.
    """
    hours = config.thresholds(None).spike_hours
    end = (now or datetime.now(UTC)).astimezone(UTC).replace(minute=0, second=0,
                                                               microsecond=0)
    start = end - timedelta(hours=hours + 1)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (hours + 1))
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(SPIKE_COUNTS, {"start": start, "end": end})
        for row in cur.fetchall():
            counts[(row["region"], row["term"])][row["slot"]] = int(row["posts"])
    alerts = []
    for (region, term), per_hour in sorted(counts.items()):
        limits = config.thresholds(region)
        baseline, current = per_hour[:-1], per_hour[-1]
        mean, spread = statistics.fmean(baseline), statistics.pstdev(baseline)
        threshold = mean + limits.spike_stddevs * spread
        if current < limits.spike_min_count or current <= threshold:
            continue
        where = f" in region {region}" if region else ""
        hour = end - timedelta(hours=1)
        alerts.append(Alert(
            rule="watchlist_spike", subject=f"{region or '-'}:{term}", region=region or None,
            message=(f"pantau: watchlist term '{term}'{where}: {current} posts in the hour "
                     f"from {hour:%Y-%m-%d %H:%M} UTC, baseline {mean:.1f} ± {spread:.1f} "
                     f"per hour over {hours} hours (alert above {threshold:.1f})."),
            details={"term": term, "hour": _iso(hour), "count": current,
                     "baseline_mean": round(mean, 3), "baseline_stddev": round(spread, 3),
                     "threshold": round(threshold, 3), "baseline_hours": hours},
        ))
    return alerts


def evaluate(conn: Conn, config: AlertConfig, now: datetime | None = None) -> list[Alert]:
    """Every rule's alerts, in rule order."""
    return [*failed_runs(conn, config, now), *silent_break(conn, config, now),
            *watchlist_spike(conn, config, now)]


def _active_since(now: datetime | None) -> datetime:
    """Sources whose last run ended before this are not judged (removed or paused)."""
    return (now or datetime.now(UTC)) - ACTIVE_WITHIN


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None
