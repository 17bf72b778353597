"""Stored posts for `pantau enrich`: read in batches through a server-side cursor, write back
language, region codes and watchlist flags, and purge raw markup after its retention.

Reading holds one transaction on its own connection (a named cursor streams rows, so memory
stays flat however many posts match); writes go through another connection, one transaction
per batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

STAGING = "pantau_staging_enrich"

# posts.raw keys that hold the page's markup or the author's profile URL: purged after
# PANTAU_RAW_RETENTION_DAYS. Platform facts (forwarded_from, edited, quoted_text) stay.
RAW_MARKUP_KEYS = ("html", "author_url")


@dataclass(frozen=True, slots=True)
class StoredPost:
    """What enrichment reads of a stored post."""

    uid: str
    source: str
    title: str | None
    body_text: str
    language: str | None
    content_hash: str
    updated_at: datetime
    region: str | None  # the source's region (sources table)
    signature_hash: str | None  # content_hash the stored MinHash signature was made from


@dataclass(frozen=True, slots=True)
class EnrichedRow:
    """What enrichment writes back: ``updated_at`` as read, so a post rewritten by a crawl
    meanwhile stays pending."""

    uid: str
    language: str | None
    region_codes: list[str]
    watchlist_flags: list[str]
    updated_at: datetime


def _selection(rebuild: bool, region: str | None, since: datetime | None) -> sql.Composed:
    clauses: list[sql.Composable] = [sql.SQL("TRUE")]
    if not rebuild:
        clauses.append(sql.SQL("p.enriched_updated_at IS DISTINCT FROM p.updated_at"))
    if region:
        clauses.append(sql.SQL(
            "(p.region_codes && ARRAY[{r}]::text[] OR s.region = {r}"
            " OR s.region LIKE {prefix})").format(r=sql.Literal(region),
                                                  prefix=sql.Literal(region + ".%")))
    if since is not None:
        clauses.append(sql.SQL("COALESCE(p.published_at, p.first_seen_at) >= {}").format(
            sql.Literal(since)))
    return sql.SQL(" AND ").join(clauses)


def count_posts(conn: psycopg.Connection[Any], *, rebuild: bool, region: str | None,
                since: datetime | None) -> int:
    """How many posts a run with these options goes through."""
    query = sql.SQL("SELECT count(*) FROM posts p LEFT JOIN sources s ON s.name = p.source "
                    "WHERE {}").format(_selection(rebuild, region, since))
    row = conn.execute(query).fetchone()
    return int(row[0]) if row else 0


def iter_batches(conn: psycopg.Connection[Any], *, rebuild: bool, region: str | None,
                 since: datetime | None, batch_size: int) -> Iterator[list[StoredPost]]:
    """The selected posts, ``batch_size`` at a time, through a server-side cursor."""
    query = sql.SQL(
        "SELECT p.uid, p.source, p.title, p.body_text, p.language, p.content_hash,"
        " p.updated_at, s.region, m.content_hash"
        " FROM posts p LEFT JOIN sources s ON s.name = p.source"
        " LEFT JOIN post_minhash m ON m.uid = p.uid WHERE {}"
    ).format(_selection(rebuild, region, since))
    with conn.transaction(), conn.cursor(name="pantau_enrich") as cur:
        cur.itersize = batch_size
        cur.execute(query)
        while rows := cur.fetchmany(batch_size):
            yield [StoredPost(*row) for row in rows]


def write_enrichments(conn: psycopg.Connection[Any], rows: Sequence[EnrichedRow]) -> int:
    """Set language, region codes and watchlist flags of the rows' posts; how many changed.

    Only posts still at the ``updated_at`` that was read are marked enriched; the columns are
    written either way (a crawl meanwhile set them from the same text or newer).
    """
    if not rows:
        return 0
    conn.execute(sql.SQL(
        "CREATE TEMP TABLE IF NOT EXISTS {} (uid text, language text, region_codes text[],"
        " watchlist_flags text[], updated_at timestamptz) ON COMMIT DELETE ROWS"
    ).format(sql.Identifier(STAGING)))
    with conn.cursor().copy(sql.SQL(
            "COPY {} (uid, language, region_codes, watchlist_flags, updated_at) FROM STDIN"
    ).format(sql.Identifier("pg_temp", STAGING))) as copy:
        for row in rows:
            copy.write_row((row.uid, row.language, row.region_codes, row.watchlist_flags,
                            row.updated_at))
    cur = conn.execute(sql.SQL(
        "UPDATE posts p SET language = e.language, region_codes = e.region_codes,"
        " watchlist_flags = e.watchlist_flags,"
        " enriched_updated_at = CASE WHEN p.updated_at = e.updated_at THEN e.updated_at"
        " ELSE p.enriched_updated_at END"
        " FROM {} e WHERE p.uid = e.uid"
    ).format(sql.Identifier("pg_temp", STAGING)))
    return cur.rowcount


def purge_raw(conn: psycopg.Connection[Any], before: datetime, batch_size: int = 5000) -> int:
    """Remove the raw markup (``RAW_MARKUP_KEYS``) of posts first seen before ``before``, in
    batches of one transaction each; the number of posts purged."""
    total = 0
    keys = list(RAW_MARKUP_KEYS)
    while True:
        with conn.transaction():
            cur = conn.execute(
                """
                WITH doomed AS (
                    SELECT uid FROM posts
                    WHERE first_seen_at < %(before)s AND raw ?| %(keys)s::text[]
                    LIMIT %(limit)s FOR UPDATE SKIP LOCKED
                )
                UPDATE posts p SET raw = NULLIF(p.raw - %(keys)s::text[], '{}'::jsonb)
                FROM doomed WHERE p.uid = doomed.uid
                """,
                {"before": before, "keys": keys, "limit": batch_size},
            )
        total += cur.rowcount
        if cur.rowcount < batch_size:
            return total


# pg_advisory_lock key: "pantauPR" (purge raw) as a stable 64-bit number
PURGE_LOCK_KEY = 0x70616E7461755052


class PurgeBusy(RuntimeError):
    """Another raw purge holds the lock on this database."""


def purge_raw_exclusive(conn: psycopg.Connection[Any], before: datetime,
                        batch_size: int = 5000) -> int:
    """:func:`purge_raw` while holding the purge's advisory lock (``conn`` in autocommit), so
    `pantau purge-raw` and the scheduled ``pantau.purge_raw`` never run at once."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", [PURGE_LOCK_KEY]).fetchone()
    if not row or not row[0]:
        raise PurgeBusy("another raw purge is running on this database")
    try:
        return purge_raw(conn, before, batch_size)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [PURGE_LOCK_KEY])
