"""The SQL of a report: one query per figure, each over the window's posts ``p``.

Every query gets the window's WHERE clause (``PostFilter.where``) and the parameters
``event`` (the event day's local midnight: before is ``t < event``) and ``zone`` (local
days are ``(t AT TIME ZONE zone)::date``), where ``t`` is the post's time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql

from crawler.report.figures import DailyCount, PeriodCount, ThreadSummary
from crawler.storage.selection import POST_TIME

T = POST_TIME
DAY = sql.SQL("({} AT TIME ZONE %(zone)s)::date").format(T)
BEFORE = sql.SQL("{} < %(event)s").format(T)
AFTER = sql.SQL("{} >= %(event)s").format(T)
FLAGGED = sql.SQL("p.watchlist_flags <> '{}'")


class Queries:
    """The report's queries on one connection, for one window's WHERE clause."""

    def __init__(self, conn: psycopg.Connection[Any], where: sql.Composed,
                 params: dict[str, Any]) -> None:
        self.conn = conn
        self.where = where
        self.params = params

    def _rows(self, query: sql.Composed, **extra: Any) -> list[tuple[Any, ...]]:
        return self.conn.execute(query, {**self.params, **extra}).fetchall()

    def comparison(self) -> dict[str, tuple[int, int]]:
        """``metric -> (before, after)`` for posts, distinct authors and flagged posts."""
        query = sql.SQL("""
            SELECT count(*) FILTER (WHERE {b}), count(*) FILTER (WHERE {a}),
                   count(DISTINCT p.author_key) FILTER (WHERE {b}),
                   count(DISTINCT p.author_key) FILTER (WHERE {a}),
                   count(*) FILTER (WHERE {b} AND {f}), count(*) FILTER (WHERE {a} AND {f})
            FROM posts p WHERE {where}""").format(b=BEFORE, a=AFTER, f=FLAGGED, where=self.where)
        row = self._rows(query)[0]
        return {"posts": (row[0], row[1]), "authors": (row[2], row[3]),
                "flagged_posts": (row[4], row[5])}

    def daily(self, column: str) -> list[DailyCount]:
        """Posts per local day and value of ``column`` (platform or source)."""
        query = sql.SQL("""
            SELECT {day} AS day, p.{col} AS key, count(*) FROM posts p WHERE {where}
            GROUP BY 1, 2 ORDER BY 1, 2""").format(
            day=DAY, col=sql.Identifier(column), where=self.where)
        return [DailyCount(day, key, n) for day, key, n in self._rows(query)]

    def watchlist_daily(self) -> list[DailyCount]:
        """Posts per local day and watchlist flag (a post with two flags counts for each)."""
        query = sql.SQL("""
            SELECT {day} AS day, flag, count(*) FROM posts p
            CROSS JOIN LATERAL unnest(p.watchlist_flags) AS flag
            WHERE {where} AND {f} GROUP BY 1, 2 ORDER BY 1, 2""").format(
            day=DAY, where=self.where, f=FLAGGED)
        return [DailyCount(day, flag, n) for day, flag, n in self._rows(query)]

    def flags(self) -> list[PeriodCount]:
        """Per watchlist flag: flagged posts before and after, most posts first."""
        query = sql.SQL("""
            SELECT flag, count(*) FILTER (WHERE {b}), count(*) FILTER (WHERE {a})
            FROM posts p CROSS JOIN LATERAL unnest(p.watchlist_flags) AS flag
            WHERE {where} AND {f} GROUP BY flag ORDER BY count(*) DESC, flag""").format(
            b=BEFORE, a=AFTER, where=self.where, f=FLAGGED)
        return [PeriodCount(flag, b, a) for flag, b, a in self._rows(query)]

    def top_flagged(self, limit: int) -> list[dict[str, Any]]:
        """The flagged posts with the most flags, then the largest near-duplicate cluster,
        then the latest; raw rows for crawler.report.redact. The cluster's size comes from
        ``v_near_duplicate_clusters``: for an office login, its copies in the regions it
        may read (migration 0007)."""
        query = sql.SQL("""
            SELECT p.uid, {t} AS at, p.source, p.platform, p.author_key, p.watchlist_flags,
                   p.title, p.body_text, p.url, p.cluster_id, c.size AS cluster_size,
                   p.deleted_at IS NOT NULL AS deleted
            FROM posts p LEFT JOIN v_near_duplicate_clusters c ON c.cluster_id = p.cluster_id
            WHERE {where} AND {f}
            ORDER BY cardinality(p.watchlist_flags) DESC, c.size DESC NULLS LAST, 2 DESC, 1
            LIMIT %(limit)s""").format(t=T, where=self.where, f=FLAGGED)
        cur = self.conn.execute(query, {**self.params, "limit": limit})
        names = [d.name for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def top_threads(self, limit: int) -> list[ThreadSummary]:
        """The threads with the most posts in the window."""
        query = sql.SQL("""
            SELECT a.site, a.thread, coalesce(th.title, a.title), a.source, a.platform,
                   coalesce(th.url, a.url), a.posts, a.before, a.after, a.authors, a.flagged,
                   a.first_at, a.last_at
            FROM (SELECT p.site, p.thread_native_id AS thread, max(p.thread_title) AS title,
                         min(p.source) AS source, min(p.platform) AS platform,
                         (array_agg(p.url ORDER BY p.position NULLS LAST, p.uid))[1] AS url,
                         count(*) AS posts, count(*) FILTER (WHERE {b}) AS before,
                         count(*) FILTER (WHERE {a}) AS after,
                         count(DISTINCT p.author_key) AS authors,
                         count(*) FILTER (WHERE {f}) AS flagged,
                         min({t}) AS first_at, max({t}) AS last_at
                  FROM posts p WHERE {where} AND p.thread_native_id IS NOT NULL
                  GROUP BY p.site, p.thread_native_id
                  ORDER BY posts DESC, last_at DESC, p.site, p.thread_native_id
                  LIMIT %(limit)s) a
            LEFT JOIN threads th ON th.site = a.site AND th.native_id = a.thread
            ORDER BY a.posts DESC, a.last_at DESC, a.site, a.thread""").format(
            b=BEFORE, a=AFTER, f=FLAGGED, t=T, where=self.where)
        return [ThreadSummary(*row) for row in self._rows(query, limit=limit)]

    def areas(self, region: str) -> tuple[list[tuple[str, int, int, int]], tuple[int, int, int]]:
        """Per code one level below ``region`` that posts name: (code, before, after,
        flagged); and the same counts of the posts that name none."""
        depth = region.count(".") + 2  # parts of a child code
        child = sql.SQL("code ~ %(child)s AND array_length(string_to_array(code, '.'), 1)"
                        " = %(depth)s")
        extra = {"child": "^" + region.replace(".", r"\.") + r"\.", "depth": depth}
        query = sql.SQL("""
            SELECT code, count(*) FILTER (WHERE {b}), count(*) FILTER (WHERE {a}),
                   count(*) FILTER (WHERE {f})
            FROM posts p CROSS JOIN LATERAL unnest(p.region_codes) AS code
            WHERE {where} AND {child} GROUP BY code ORDER BY count(*) DESC, code""").format(
            b=BEFORE, a=AFTER, f=FLAGGED, where=self.where, child=child)
        rows = [(str(c), int(b), int(a), int(f)) for c, b, a, f in self._rows(query, **extra)]
        unnamed = sql.SQL("""
            SELECT count(*) FILTER (WHERE {b}), count(*) FILTER (WHERE {a}),
                   count(*) FILTER (WHERE {f})
            FROM posts p WHERE {where}
              AND NOT EXISTS (SELECT 1 FROM unnest(p.region_codes) AS code WHERE {child})
            """).format(b=BEFORE, a=AFTER, f=FLAGGED, where=self.where, child=child)
        b, a, f = self._rows(unnamed, **extra)[0]
        return rows, (int(b), int(a), int(f))

    def texts(self, batch: int = 2000) -> Iterator[tuple[str, bool]]:
        """``(title and body, after the event?)`` of every post, through a server-side
        cursor (memory stays flat however many posts the window holds)."""
        query = sql.SQL("""
            SELECT coalesce(p.title, '') || ' ' || p.body_text, {a}
            FROM posts p WHERE {where}""").format(a=AFTER, where=self.where)
        with self.conn.cursor(name="report_texts") as cur:
            cur.itersize = batch
            cur.execute(query, self.params)
            yield from cur
