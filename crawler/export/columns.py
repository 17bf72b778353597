"""The columns of an export and the streaming query that reads them.

Every column of ``posts`` an analyst uses, in a fixed order, without ``raw`` (page markup,
large and personal). Rows come through a server-side cursor in batches, ordered by the
post's time (``posts_at_idx`` gives that order without a sort), so memory stays flat
however many posts are exported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import psycopg
from psycopg import sql

from crawler.storage.selection import POST_TIME, PostFilter

Kind = Literal["text", "int", "time", "list", "json"]

COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("uid", "text"), ("platform", "text"), ("site", "text"), ("source", "text"),
    ("url", "text"), ("native_id", "text"), ("kind", "text"),
    ("thread_native_id", "text"), ("thread_title", "text"), ("container", "text"),
    ("parent_native_id", "text"), ("position", "int"),
    ("author_key", "text"), ("author_name", "text"),
    ("published_at", "time"), ("published_via", "text"), ("first_seen_at", "time"),
    ("last_seen_at", "time"), ("edited_at", "time"), ("deleted_at", "time"),
    ("title", "text"), ("body_text", "text"), ("language", "text"),
    ("region_codes", "list"), ("watchlist_flags", "list"), ("cluster_id", "int"),
    ("hashtags", "list"), ("mentions", "list"), ("links", "list"), ("metrics", "json"),
    ("version", "int"), ("content_hash", "text"),
)
NAMES = tuple(name for name, _ in COLUMNS)
FETCH_ROWS = 5000


def count_rows(conn: psycopg.Connection[Any], selection: PostFilter) -> int:
    """How many posts ``selection`` exports (for the progress bar)."""
    where, params = selection.where(conn)
    row = conn.execute(sql.SQL("SELECT count(*) FROM posts p WHERE {}").format(where),
                       params).fetchone()
    return int(row[0]) if row else 0


def stream_rows(conn: psycopg.Connection[Any], selection: PostFilter,
                batch: int = FETCH_ROWS) -> Iterator[list[tuple[Any, ...]]]:
    """Lists of at most ``batch`` rows (tuples in ``NAMES`` order), oldest posts first.

    Runs in one transaction on ``conn`` (a named cursor lives in a transaction); metrics
    arrive as JSON text, the other columns as Python values.
    """
    where, params = selection.where(conn)
    columns = [sql.SQL("p.metrics::text") if name == "metrics"
               else sql.SQL("p.{}").format(sql.Identifier(name)) for name in NAMES]
    query = sql.SQL("SELECT {} FROM posts p WHERE {} ORDER BY {}, p.uid").format(
        sql.SQL(", ").join(columns), where, POST_TIME)
    with conn.transaction(), conn.cursor(name="pantau_export") as cur:
        cur.itersize = batch
        cur.execute(query, params)
        while rows := cur.fetchmany(batch):
            yield rows
