"""Which posts a report or an export covers: region, sources, time range, flagged only.

A post's time is ``coalesce(published_at, first_seen_at)`` (pages without a date), the
expression of the index ``posts_at_idx`` (migration 0006). A post belongs to region R when
its ``region_codes`` contain R (enrichment puts the source's region and every region the
text names, each with its enclosing codes, there) or when its source's region (the
``sources`` table) is R or inside R, which also catches posts not enriched yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

POST_TIME = sql.SQL("coalesce(p.published_at, p.first_seen_at)")


@dataclass(frozen=True)
class PostFilter:
    """A selection of posts; every field narrows it, None/empty means no restriction.

    ``since`` is inclusive and ``until`` exclusive, both on the post's time.
    """

    region: str | None = None
    sources: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    flagged: bool = False

    def where(self, conn: psycopg.Connection[Any]) -> tuple[sql.Composed, dict[str, Any]]:
        """A WHERE clause over ``posts p`` and its parameters (sources of the region are read
        from ``conn`` once, so the clause itself needs no join)."""
        clauses: list[sql.Composable] = [sql.SQL("TRUE")]
        params: dict[str, Any] = {}
        if self.region is not None:
            params["region"] = [self.region]
            params["region_sources"] = region_sources(conn, self.region)
            clauses.append(sql.SQL("(p.region_codes @> %(region)s::text[]"
                                   " OR p.source = ANY(%(region_sources)s::text[]))"))
        if self.sources:
            params["sources"] = list(self.sources)
            clauses.append(sql.SQL("p.source = ANY(%(sources)s::text[])"))
        if self.since is not None:
            params["since"] = self.since
            clauses.append(sql.SQL("{} >= %(since)s").format(POST_TIME))
        if self.until is not None:
            params["until"] = self.until
            clauses.append(sql.SQL("{} < %(until)s").format(POST_TIME))
        if self.flagged:
            clauses.append(sql.SQL("p.watchlist_flags <> '{}'"))
        return sql.SQL(" AND ").join(clauses), params


def region_sources(conn: psycopg.Connection[Any], region: str) -> list[str]:
    """Names of the stored sources of region ``region`` and of the regions inside it."""
    rows = conn.execute(
        "SELECT name FROM sources WHERE region = %(r)s OR region LIKE %(inside)s ORDER BY name",
        {"r": region, "inside": region + ".%"},
    ).fetchall()
    return [str(row[0]) for row in rows]


def known_sources(conn: psycopg.Connection[Any], names: tuple[str, ...]) -> list[str]:
    """Those of ``names`` that have posts or a ``sources`` row (to catch a mistyped name)."""
    if not names:
        return []
    rows = conn.execute(
        "SELECT n FROM unnest(%(names)s::text[]) n WHERE EXISTS"
        " (SELECT 1 FROM sources s WHERE s.name = n)"
        " OR EXISTS (SELECT 1 FROM posts p WHERE p.source = n)",
        {"names": list(names)},
    ).fetchall()
    return [str(row[0]) for row in rows]
