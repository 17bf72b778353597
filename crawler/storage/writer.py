"""The batched idempotent post writer: COPY into staging, then one upsert per batch.

Per batch, in one transaction: de-duplicate by uid (last wins), binary COPY into a temporary
staging table, save the prior content of edited posts to ``post_versions`` (one statement that
also classifies the batch), upsert ``posts`` and the batch's ``threads``. See docs/benchmarks.md.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

import psycopg
from psycopg import pq, sql

from crawler.items import Post, stable_hash
from crawler.storage._conn import ConnOrPool, borrowed

STAGING = "pantau_staging_posts"

# Post field -> PostgreSQL type, in Post's field order: the staging table and the binary COPY.
POST_COLUMN_TYPES: dict[str, str] = {
    "uid": "text",
    "platform": "text",
    "site": "text",
    "source": "text",
    "url": "text",
    "native_id": "text",
    "kind": "text",
    "thread_native_id": "text",
    "thread_title": "text",
    "container": "text",
    "parent_native_id": "text",
    "quoted_native_ids": "text[]",
    "position": "int4",
    "author_key": "text",
    "author_name": "text",
    "published_at": "timestamptz",
    "published_via": "text",
    "seen_at": "timestamptz",
    "edited_at": "timestamptz",
    "title": "text",
    "body_text": "text",
    "language": "text",
    "links": "text[]",
    "hashtags": "text[]",
    "mentions": "text[]",
    "media": "jsonb",
    "metrics": "jsonb",
    "region_codes": "text[]",
    "watchlist_flags": "text[]",
    "content_hash": "text",
    "extractor_version": "int4",
    "raw": "jsonb",
    "crawl_run": "int8",
}
POST_FIELDS = tuple(f.name for f in fields(Post))
if tuple(POST_COLUMN_TYPES) != POST_FIELDS:  # pragma: no cover - guards the row contract
    raise RuntimeError("crawler.items.Post changed: update POST_COLUMN_TYPES and the schema")

post_row = attrgetter(*POST_FIELDS)

# Columns overwritten from the new crawl on every write (metrics, placement, enrichment...).
REFRESHED = (
    "source", "url", "quoted_native_ids", "author_key", "author_name", "title", "body_text",
    "content_hash", "extractor_version", "language", "links", "hashtags", "mentions", "media",
    "metrics", "region_codes", "watchlist_flags",
)  # fmt: skip
# Columns that belong to the stored content version: replaced only when the content changed
# (edit or re-normalization). Keeping ``raw`` otherwise keeps its TOAST chunks in place, so an
# unchanged re-crawl does not rewrite kilobytes of markup per post.
WITH_CONTENT = ("raw",)
# Columns whose stored value survives a crawl that did not see them.
KEPT_WHEN_NULL = (
    "thread_native_id", "thread_title", "container", "parent_native_id", "position",
    "edited_at", "crawl_run",
)  # fmt: skip
SAME_CONTENT = sql.SQL(
    "(posts.content_hash = EXCLUDED.content_hash"
    " AND posts.extractor_version = EXCLUDED.extractor_version)"
)
IS_EDIT = sql.SQL(
    "(posts.content_hash <> EXCLUDED.content_hash"
    " AND posts.extractor_version = EXCLUDED.extractor_version)"
)


@dataclass(frozen=True, slots=True)
class WriteResult:
    """How the posts of one or more batches compared with what was stored."""

    new: int = 0
    edited: int = 0
    unchanged: int = 0
    renormalized: int = 0

    @property
    def total(self) -> int:
        return self.new + self.edited + self.unchanged + self.renormalized

    def __add__(self, other: WriteResult) -> WriteResult:
        return WriteResult(
            self.new + other.new,
            self.edited + other.edited,
            self.unchanged + other.unchanged,
            self.renormalized + other.renormalized,
        )


def thread_uid(site: str, native_id: str) -> str:
    """The stable identity of a thread on a site."""
    return stable_hash(site, "thread", native_id)


def _idents(names: Sequence[str], prefix: str | None = None) -> sql.Composable:
    if prefix is None:
        return sql.SQL(", ").join(map(sql.Identifier, names))
    return sql.SQL(", ").join(sql.Identifier(prefix, name) for name in names)


def _create_staging_sql() -> sql.Composed:
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type))
        for name, pg_type in POST_COLUMN_TYPES.items()
    )
    return sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} ({}) ON COMMIT DELETE ROWS").format(
        sql.Identifier(STAGING), columns
    )


def _copy_sql() -> sql.Composed:
    return sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier("pg_temp", STAGING), _idents(POST_FIELDS)
    )


def _versions_sql() -> sql.Composed:
    """Lock changed rows, save the prior content of edits, return (edited, renormalized).

    The lateral subquery with FOR UPDATE is never flattened, so each staged uid is one probe
    of posts_pkey in uid order (no hash join over the whole posts heap; stable lock order).
    """
    return sql.SQL(
        """
        WITH changed AS (
            SELECT p.uid, p.version, p.content_hash, p.title, p.body_text, p.edited_at,
                   p.crawl_run, s.seen_at, p.extractor_version = s.extractor_version AS is_edit
            FROM (SELECT uid, content_hash, extractor_version, seen_at
                  FROM {staging} ORDER BY uid) AS s
            CROSS JOIN LATERAL (
                SELECT uid, version, content_hash, title, body_text, edited_at, crawl_run,
                       extractor_version
                FROM posts
                WHERE posts.uid = s.uid AND (posts.content_hash <> s.content_hash
                                             OR posts.extractor_version <> s.extractor_version)
                FOR UPDATE
            ) AS p
        ), saved AS (
            INSERT INTO post_versions (uid, version, content_hash, title, body_text, edited_at,
                                       superseded_at, crawl_run)
            SELECT uid, version, content_hash, title, body_text, edited_at, seen_at, crawl_run
            FROM changed WHERE is_edit
            ON CONFLICT (uid, version) DO NOTHING
        )
        SELECT count(*) FILTER (WHERE is_edit), count(*) FILTER (WHERE NOT is_edit) FROM changed
        """
    ).format(staging=sql.Identifier("pg_temp", STAGING))


def _upsert_sql() -> sql.Composed:
    """Insert new posts, refresh seen ones; return (inserted, written)."""
    target = [n for n in POST_FIELDS if n != "seen_at"]
    target.insert(POST_FIELDS.index("seen_at"), "last_seen_at")
    target.insert(POST_FIELDS.index("seen_at"), "first_seen_at")
    source = [("seen_at" if n in ("first_seen_at", "last_seen_at") else n) for n in target]
    sets = [sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(n)) for n in REFRESHED]
    sets += [
        sql.SQL("{0} = COALESCE(EXCLUDED.{0}, posts.{0})").format(sql.Identifier(n))
        for n in KEPT_WHEN_NULL
    ]
    sets += [
        sql.SQL("{0} = CASE WHEN {same} THEN posts.{0} ELSE EXCLUDED.{0} END").format(
            sql.Identifier(n), same=SAME_CONTENT
        )
        for n in WITH_CONTENT
    ]
    return sql.SQL(
        """
        WITH up AS (
            INSERT INTO posts ({target})
            SELECT {source} FROM {staging} ORDER BY uid
            ON CONFLICT (uid) DO UPDATE SET {sets},
                first_seen_at = LEAST(posts.first_seen_at, EXCLUDED.first_seen_at),
                last_seen_at = GREATEST(posts.last_seen_at, EXCLUDED.last_seen_at),
                deleted_at = NULL,
                published_at = CASE WHEN {keep_published} THEN posts.published_at
                                    ELSE EXCLUDED.published_at END,
                published_via = CASE WHEN {keep_published} THEN posts.published_via
                                     ELSE EXCLUDED.published_via END,
                version = posts.version + CASE WHEN {is_edit} THEN 1 ELSE 0 END,
                updated_at = now()
            RETURNING xmax = 0 AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FROM up
        """
    ).format(
        target=_idents(target),
        source=_idents(source),
        staging=sql.Identifier("pg_temp", STAGING),
        sets=sql.SQL(", ").join(sets),
        # a missing date, or one only known as "first seen", never replaces a stored date
        keep_published=sql.SQL(
            "(EXCLUDED.published_at IS NULL OR (EXCLUDED.published_via = 'first_seen'"
            " AND posts.published_at IS NOT NULL))"
        ),
        is_edit=IS_EDIT,
    )


THREADS_UPSERT = """
INSERT INTO threads (uid, site, source, native_id, url, title, container, first_seen_at,
                     last_seen_at, last_complete_at, post_count)
SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                     %s::text[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[],
                     %s::int4[])
ORDER BY 1
ON CONFLICT (uid) DO UPDATE SET
    source = EXCLUDED.source,
    url = COALESCE(EXCLUDED.url, threads.url),
    title = COALESCE(EXCLUDED.title, threads.title),
    container = COALESCE(EXCLUDED.container, threads.container),
    first_seen_at = LEAST(threads.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = GREATEST(threads.last_seen_at, EXCLUDED.last_seen_at),
    last_complete_at = COALESCE(EXCLUDED.last_complete_at, threads.last_complete_at),
    post_count = COALESCE(EXCLUDED.post_count, threads.post_count)
"""

MARK_DELETED = """
UPDATE posts SET deleted_at = %(seen_at)s, updated_at = now()
WHERE site = %(site)s AND thread_native_id = %(thread)s AND deleted_at IS NULL
  AND first_seen_at <= %(seen_at)s AND NOT (native_id = ANY(%(present)s::text[]))
"""

CREATE_STAGING = _create_staging_sql()
COPY_STAGING = _copy_sql()
SAVE_VERSIONS = _versions_sql()
UPSERT_POSTS = _upsert_sql()
CLEAR_STAGING = sql.SQL("DELETE FROM {}").format(sql.Identifier("pg_temp", STAGING))
STAGING_TYPES = list(POST_COLUMN_TYPES.values())

# Connections known to hold the committed staging table (temp tables live per session).
_staged: weakref.WeakSet[psycopg.Connection[Any]] = weakref.WeakSet()


class PostWriter:
    """Writes batches of :class:`~crawler.items.Post` idempotently; synchronous, no buffering.

    ``conn_or_pool`` is a psycopg connection (each batch is a transaction, or a savepoint when
    the caller holds one open) or a pool (each batch borrows a connection). Pools must not
    reset sessions with ``DISCARD ALL``/``DISCARD TEMP``: the staging table is per session.
    """

    def __init__(self, conn_or_pool: ConnOrPool) -> None:
        self._db = conn_or_pool

    def write(self, posts: Sequence[Post]) -> WriteResult:
        """Store one batch in one transaction and say how it compared with the stored rows."""
        if not posts:
            return WriteResult()
        batch = {post.uid: post for post in posts}  # last wins; ON CONFLICT needs unique keys
        with borrowed(self._db) as conn:
            nested = conn.info.transaction_status != pq.TransactionStatus.IDLE
            with conn.transaction():
                if conn not in _staged:
                    conn.execute(CREATE_STAGING)
                if nested:  # ON COMMIT DELETE ROWS only empties it at the outer commit
                    conn.execute(CLEAR_STAGING)
                with conn.cursor().copy(COPY_STAGING) as copy:
                    copy.set_types(STAGING_TYPES)
                    for post in batch.values():
                        copy.write_row(post_row(post))
                edited, renormalized = _fetch_pair(conn.execute(SAVE_VERSIONS))
                inserted, _written = _fetch_pair(conn.execute(UPSERT_POSTS))
                _upsert_threads(conn, batch.values())
            if not nested:
                _staged.add(conn)
        unchanged = len(batch) - inserted - edited - renormalized
        return WriteResult(inserted, edited, unchanged, renormalized)

    def complete_thread(
        self,
        site: str,
        source: str,
        thread_native_id: str,
        url: str | None,
        title: str | None,
        container: str | None,
        post_native_ids: Sequence[str],
        seen_at: datetime,
        crawl_run: int | None = None,
    ) -> int:
        """Record a fully fetched thread; mark stored posts missing from it deleted.

        Only posts first seen no later than ``seen_at`` are judged, so a post stored by a
        concurrent, later crawl of the same thread is not deleted. Returns how many posts
        were newly marked deleted. ``crawl_run`` is accepted for the caller's bookkeeping.
        """
        del crawl_run  # deletions are counted on the run by the caller (posts_deleted)
        present = sorted(set(post_native_ids))
        with borrowed(self._db) as conn, conn.transaction():
            conn.execute(
                THREADS_UPSERT,
                [[thread_uid(site, thread_native_id)], [site], [source], [thread_native_id],
                 [url], [title], [container], [seen_at], [seen_at], [seen_at], [len(present)]],
            )  # fmt: skip
            cur = conn.execute(
                MARK_DELETED,
                {"seen_at": seen_at, "site": site, "thread": thread_native_id, "present": present},
            )
            return cur.rowcount


def _fetch_pair(cur: psycopg.Cursor[Any]) -> tuple[int, int]:
    row = cur.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _upsert_threads(conn: psycopg.Connection[Any], posts: Iterable[Post]) -> None:
    """Upsert one ``threads`` row per (site, thread) of the batch; the newest sighting names it."""
    newest: dict[tuple[str, str], Post] = {}
    first_seen: dict[tuple[str, str], datetime] = {}
    for post in posts:
        if post.thread_native_id is None:
            continue
        key = (post.site, post.thread_native_id)
        seen = newest.get(key)
        if seen is None or post.seen_at >= seen.seen_at:
            newest[key] = post
        first_seen[key] = min(first_seen.get(key, post.seen_at), post.seen_at)
    if not newest:
        return
    rows = [
        (thread_uid(site, native_id), site, post.source, native_id, None, post.thread_title,
         post.container, first_seen[site, native_id], post.seen_at, None, None)
        for (site, native_id), post in newest.items()
    ]  # fmt: skip
    conn.execute(THREADS_UPSERT, [list(column) for column in zip(*rows, strict=True)])
