"""Compute a report: run the queries of crawler.report.queries and assemble a ``Report``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from crawler.report.areas import area_name
from crawler.report.figures import (
    METRICS,
    AreaCount,
    Comparison,
    FlaggedPost,
    PeriodCount,
    Report,
    ReportWindow,
    change_pct,
)
from crawler.report.queries import Queries
from crawler.report.redact import excerpt, pseudonym
from crawler.report.terms import TermCounter


@dataclass(frozen=True)
class Limits:
    """How many rows the ranked parts of a report show."""

    threads: int = 10
    flagged_posts: int = 15
    terms: int = 25


class SchemaTooOld(RuntimeError):
    """The database lacks migration 0006 (the analyst views and report indexes)."""


def require_report_schema(conn: psycopg.Connection[Any]) -> None:
    """Raise :class:`SchemaTooOld` unless migration 0006 ran on this database."""
    row = conn.execute("SELECT to_regclass('v_daily_volume') IS NOT NULL").fetchone()
    if not row or not row[0]:
        raise SchemaTooOld("the database has no report views yet (migration 0006)")


def build_report(conn: psycopg.Connection[Any], window: ReportWindow,
                 limits: Limits | None = None, now: datetime | None = None) -> Report:
    """Every figure of the report of ``window``, read in one REPEATABLE READ snapshot so
    the parts agree with each other while crawls keep writing."""
    limits = limits or Limits()
    require_report_schema(conn)
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with conn.transaction():
        if idle:  # a new transaction: one snapshot for every query
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        where, params = window.post_filter().where(conn)
        params = {**params, "event": window.event_start, "zone": window.timezone}
        q = Queries(conn, where, params)
        counts = q.comparison()
        terms = TermCounter()
        terms.add_all(q.texts())
        areas, unnamed = q.areas(window.region)
        report = Report(
            window=window,
            generated_at=now or datetime.now(UTC),
            comparison=[_compare(m, *counts[m], window) for m in METRICS],
            daily_by_platform=q.daily("platform"),
            daily_by_source=q.daily("source"),
            watchlist_daily=q.watchlist_daily(),
            flags=q.flags(),
            top_flagged=[_flagged(row) for row in q.top_flagged(limits.flagged_posts)],
            top_threads=q.top_threads(limits.threads),
            top_terms=[PeriodCount(t, b, a) for t, b, a in terms.top(limits.terms)],
            areas=[AreaCount(code, area_name(code), b, a, f, _change(b, a, window))
                   for code, b, a, f in areas],
            area_unnamed=AreaCount("", "", unnamed[0], unnamed[1], unnamed[2],
                                   _change(unnamed[0], unnamed[1], window)),
        )
    if window.before != window.after:
        report.notes.append("unequal_periods")
    return report


def _per_day(before: int, after: int, window: ReportWindow) -> tuple[float, float]:
    return (before / (window.before.total_seconds() / 86400),
            after / (window.after.total_seconds() / 86400))


def _change(before: int, after: int, window: ReportWindow) -> float | None:
    """Change of the per-day rates: of the totals when the periods are equally long."""
    return change_pct(*_per_day(before, after, window))


def _compare(metric: str, before: int, after: int, window: ReportWindow) -> Comparison:
    per_before, per_after = _per_day(before, after, window)
    return Comparison(metric, before, after, round(per_before, 2), round(per_after, 2),
                      _change(before, after, window))


def _flagged(row: dict[str, Any]) -> FlaggedPost:
    return FlaggedPost(
        uid=row["uid"], at=row["at"], source=row["source"], platform=row["platform"],
        author=pseudonym(row["author_key"]), flags=list(row["watchlist_flags"]),
        excerpt=excerpt(row["title"], row["body_text"]), url=row["url"],
        cluster_id=row["cluster_id"], cluster_size=row["cluster_size"],
        deleted=bool(row["deleted"]))
