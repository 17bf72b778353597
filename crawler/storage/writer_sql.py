"""The SQL of the post writer: column contract, staging table, lookup, versions and upserts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from operator import attrgetter

from psycopg import sql

from crawler.items import Post

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
SEEN_AT = POST_FIELDS.index("seen_at")
RAW = POST_FIELDS.index("raw")
# The direct COPY of new rows: Post's columns without seen_at, then both seen timestamps.
DIRECT_COLUMNS = (*POST_FIELDS[:SEEN_AT], *POST_FIELDS[SEEN_AT + 1 :], "first_seen_at",
                  "last_seen_at")  # fmt: skip
DIRECT_TYPES = [t for n, t in POST_COLUMN_TYPES.items() if n != "seen_at"] + ["timestamptz"] * 2

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


def idents(names: Sequence[str], prefix: str | None = None) -> sql.Composable:
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
        sql.Identifier("pg_temp", STAGING), idents(POST_FIELDS)
    )


def _direct_copy_sql() -> sql.Composed:
    """Binary COPY of new posts straight into ``posts`` (seen_at feeds both timestamps)."""
    return sql.SQL("COPY posts ({}) FROM STDIN (FORMAT BINARY)").format(idents(DIRECT_COLUMNS))


def _versions_sql() -> sql.Composed:
    """Safe path: lock changed rows, save prior content of edits; (edited, renormalized).

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
    """Insert new posts, refresh seen ones from staging; return (inserted, written)."""
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
        target=idents(target),
        source=idents(source),
        staging=sql.Identifier("pg_temp", STAGING),
        sets=sql.SQL(", ").join(sets),
        # a missing date, or one only known as "first seen", never replaces a stored date
        keep_published=sql.SQL(
            "(EXCLUDED.published_at IS NULL OR (EXCLUDED.published_via = 'first_seen'"
            " AND posts.published_at IS NOT NULL))"
        ),
        is_edit=IS_EDIT,
    )


# Fast path: lock the batch's stored rows (uid order, so concurrent writers queue, not deadlock)
# and read what decides new / edited / re-normalized / unchanged.
LOCK_EXISTING = """
SELECT uid, content_hash, extractor_version FROM posts
WHERE uid = ANY(%s::text[]) ORDER BY uid FOR NO KEY UPDATE
"""

# Fast path: the prior content of edited posts (rows already locked by LOCK_EXISTING).
SAVE_EDITED = """
INSERT INTO post_versions (uid, version, content_hash, title, body_text, edited_at,
                           superseded_at, crawl_run)
SELECT p.uid, p.version, p.content_hash, p.title, p.body_text, p.edited_at, e.seen_at,
       p.crawl_run
FROM unnest(%s::text[], %s::timestamptz[]) AS e (uid, seen_at) JOIN posts AS p USING (uid)
ON CONFLICT (uid, version) DO NOTHING
"""

THREADS_UPSERT = """
INSERT INTO threads AS t (uid, site, source, native_id, url, title, container, first_seen_at,
                          last_seen_at, last_complete_at, post_count)
SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                     %s::text[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[],
                     %s::int4[])
ORDER BY 1
ON CONFLICT (uid) DO UPDATE SET
    source = EXCLUDED.source,
    url = COALESCE(EXCLUDED.url, t.url),
    title = COALESCE(EXCLUDED.title, t.title),
    container = COALESCE(EXCLUDED.container, t.container),
    first_seen_at = LEAST(t.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = GREATEST(t.last_seen_at, EXCLUDED.last_seen_at),
    last_complete_at = COALESCE(EXCLUDED.last_complete_at, t.last_complete_at),
    post_count = COALESCE(EXCLUDED.post_count, t.post_count)
-- skip no-op updates: most batches re-name threads they already stored
WHERE EXCLUDED.source <> t.source
   OR (EXCLUDED.url IS NOT NULL AND EXCLUDED.url IS DISTINCT FROM t.url)
   OR (EXCLUDED.title IS NOT NULL AND EXCLUDED.title IS DISTINCT FROM t.title)
   OR (EXCLUDED.container IS NOT NULL AND EXCLUDED.container IS DISTINCT FROM t.container)
   OR EXCLUDED.first_seen_at < t.first_seen_at
   OR EXCLUDED.last_seen_at > t.last_seen_at
   OR EXCLUDED.last_complete_at IS NOT NULL
   OR EXCLUDED.post_count IS NOT NULL
"""

KNOWN_THREADS = """
SELECT native_id, url, signature, post_count, last_page_url, last_page_position,
       last_post_native_id
FROM threads
WHERE site = %s AND last_page_url IS NOT NULL AND post_count IS NOT NULL
ORDER BY native_id
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
COPY_DIRECT = _direct_copy_sql()
CLEAR_STAGING = sql.SQL("DELETE FROM {}").format(sql.Identifier("pg_temp", STAGING))
STAGING_TYPES = list(POST_COLUMN_TYPES.values())

