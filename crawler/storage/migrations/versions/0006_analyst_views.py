"""Analysts: SQL views, Indonesian full-text search, report indexes, a read-only role.

Views (docs/analysts.md documents their columns, with example queries):
``v_daily_volume`` (posts per local day, platform and source), ``v_flagged_posts`` (posts
with watchlist flags), ``v_thread_activity`` (one row per thread), ``v_near_duplicate_clusters``
(clusters of 0005 with a sample post) and ``v_post_search`` (posts with their full-text
``document``). ``pantau_region_timezone(code)`` maps a Kemendagri code to its zone (WIB,
WITA, WIT), the same mapping as ``crawler.report.zones``.

Full-text search is an expression GIN index over title and body with PostgreSQL's
``indonesian`` configuration (Snowball stemmer, PostgreSQL 13+; ``simple`` where a server
lacks it); ``v_post_search.document`` is the same expression, so queries through the view
use the index. ``pantau_analyst`` is a NOLOGIN group role with SELECT on the views and the
tables analysts read; created only when the migrating user may create roles (else a DBA
creates it, see docs/analysts.md). The posts table is not partitioned: docs/architecture.md
says why, with the measurement.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ROLE = "pantau_analyst"
# One expression for the index and the view: the planner matches them textually.
DOCUMENT = "to_tsvector('{config}'::regconfig, coalesce(title, '') || ' ' || body_text)"

REGION_TIMEZONE = """
CREATE OR REPLACE FUNCTION pantau_region_timezone(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN code IS NULL OR code !~ '^[0-9]{2}' THEN NULL
    WHEN left(code, 1) IN ('1', '2', '3') OR left(code, 2) IN ('61', '62') THEN 'Asia/Jakarta'
    WHEN left(code, 1) IN ('5', '7') OR left(code, 2) IN ('63', '64', '65')
        THEN 'Asia/Makassar'
    WHEN left(code, 1) IN ('8', '9') THEN 'Asia/Jayapura'
END
$$
"""

# The zone of a post's day: its source's configured zone, else its source's region's,
# else the zone of the first region it is about, else WIB.
POST_ZONE = """coalesce(s.config ->> 'timezone', pantau_region_timezone(s.region),
                pantau_region_timezone(p.region_codes[1]), 'Asia/Jakarta')"""

DAILY_VOLUME = f"""
CREATE VIEW v_daily_volume AS
SELECT (coalesce(p.published_at, p.first_seen_at) AT TIME ZONE z.zone)::date AS day,
       z.zone AS timezone, p.platform, p.source, s.region,
       count(*) AS posts,
       count(DISTINCT p.author_key) AS authors,
       count(*) FILTER (WHERE p.watchlist_flags <> '{{}}') AS flagged_posts,
       count(*) FILTER (WHERE p.deleted_at IS NOT NULL) AS deleted_posts,
       count(DISTINCT p.thread_native_id) AS threads
FROM posts p
LEFT JOIN sources s ON s.name = p.source
CROSS JOIN LATERAL (SELECT {POST_ZONE} AS zone) z
GROUP BY 1, 2, 3, 4, 5
"""  # noqa: S608 - only this module's constants are interpolated

FLAGGED_POSTS = """
CREATE VIEW v_flagged_posts AS
SELECT p.uid, coalesce(p.published_at, p.first_seen_at) AS at, p.published_at,
       p.published_via, p.first_seen_at, p.platform, p.site, p.source, p.url,
       p.thread_native_id, p.thread_title, p.container, p.author_key, p.author_name,
       p.region_codes, p.watchlist_flags, cardinality(p.watchlist_flags) AS flag_count,
       p.cluster_id, c.size AS cluster_size, p.language, p.title, p.body_text, p.deleted_at
FROM posts p
LEFT JOIN near_duplicate_clusters c ON c.id = p.cluster_id
WHERE p.watchlist_flags <> '{}'
"""

THREAD_ACTIVITY = """
CREATE VIEW v_thread_activity AS
SELECT a.site, a.thread_native_id, a.source, a.platform,
       coalesce(t.title, a.thread_title) AS title, coalesce(t.container, a.container) AS container,
       coalesce(t.url, a.first_url) AS url, a.posts, a.authors, a.flagged_posts,
       a.deleted_posts, a.first_at, a.last_at, t.last_complete_at
FROM (
    SELECT site, thread_native_id, min(source) AS source, min(platform) AS platform,
           max(thread_title) AS thread_title, max(container) AS container,
           (array_agg(url ORDER BY position NULLS LAST, uid))[1] AS first_url,
           count(*) AS posts, count(DISTINCT author_key) AS authors,
           count(*) FILTER (WHERE watchlist_flags <> '{}') AS flagged_posts,
           count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted_posts,
           min(coalesce(published_at, first_seen_at)) AS first_at,
           max(coalesce(published_at, first_seen_at)) AS last_at
    FROM posts
    WHERE thread_native_id IS NOT NULL
    GROUP BY site, thread_native_id
) a
LEFT JOIN threads t ON t.site = a.site AND t.native_id = a.thread_native_id
"""

CLUSTERS = """
CREATE VIEW v_near_duplicate_clusters AS
SELECT c.id AS cluster_id, c.size, c.authors, c.threads, c.sources, c.platforms,
       c.first_at, c.last_at, c.last_at - c.first_at AS span,
       (SELECT count(*) FROM posts f
        WHERE f.cluster_id = c.id AND f.watchlist_flags <> '{}') AS flagged_posts,
       c.sample_uid, s.url AS sample_url, s.title AS sample_title,
       s.body_text AS sample_text, c.updated_at
FROM near_duplicate_clusters c
LEFT JOIN posts s ON s.uid = c.sample_uid
"""

POST_SEARCH = """
CREATE VIEW v_post_search AS
SELECT uid, coalesce(published_at, first_seen_at) AS at, platform, site, source, url,
       thread_native_id, thread_title, author_key, region_codes, watchlist_flags,
       language, title, body_text, deleted_at,
       {document} AS document
FROM posts
"""

INDEXES = (
    # full-text search (v_post_search.document)
    "CREATE INDEX posts_fts_idx ON posts USING gin (({document}))",
    # report and export windows over all posts (0004's index covers flagged posts only)
    "CREATE INDEX posts_at_idx ON posts ((coalesce(published_at, first_seen_at)))",
    # "everything one (pseudonymous) account wrote"
    "CREATE INDEX posts_author_idx ON posts (author_key) WHERE author_key IS NOT NULL",
    # first_seen_at grows with insertion order: a tiny BRIN serves "what arrived since"
    "CREATE INDEX posts_first_seen_brin ON posts USING brin (first_seen_at)",
)

VIEWS = ("v_daily_volume", "v_flagged_posts", "v_thread_activity",
         "v_near_duplicate_clusters", "v_post_search")
# What analysts read besides the views (not crawler bookkeeping: minhash, alerts, shards).
TABLES = ("posts", "threads", "post_versions", "sources", "crawl_runs",
          "near_duplicate_clusters", "near_duplicate_spread")

CREATE_ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user
                       AND (rolsuper OR rolcreaterole)) THEN
            RAISE NOTICE 'role {ROLE} not created: % may not create roles', current_user;
            RETURN;
        END IF;
        BEGIN
            CREATE ROLE {ROLE} NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- created meanwhile by the migration of another database
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO {ROLE}', current_schema());
    EXECUTE 'GRANT SELECT ON {", ".join(VIEWS + TABLES)} TO {ROLE}';
END
$$
"""  # noqa: S608 - only this module's constants are interpolated


def has_indonesian_search() -> bool:
    """Whether the server has the ``indonesian`` text search configuration (PostgreSQL 13+)."""
    found = op.get_bind().execute(
        sa.text("SELECT 1 FROM pg_ts_config WHERE cfgname = 'indonesian'")).first()
    return found is not None


def upgrade() -> None:
    # one of two names written here: nothing read from the server becomes SQL text
    document = DOCUMENT.format(config="indonesian" if has_indonesian_search() else "simple")
    for statement in (REGION_TIMEZONE, DAILY_VOLUME, FLAGGED_POSTS, THREAD_ACTIVITY, CLUSTERS,
                      POST_SEARCH.format(document=document),
                      *(index.format(document=document) for index in INDEXES), CREATE_ROLE):
        op.execute(statement)


def downgrade() -> None:
    # The role is cluster-wide (other databases may grant to it): only this database's
    # grants go; DROP ROLE pantau_analyst is left to the DBA.
    op.execute(f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
        EXECUTE 'REVOKE ALL ON {", ".join(TABLES)} FROM {ROLE}';
        EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM {ROLE}', current_schema());
    END IF;
END
$$
""")  # noqa: S608 - only this module's constants are interpolated
    for view in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {view}")
    for index in ("posts_fts_idx", "posts_at_idx", "posts_author_idx", "posts_first_seen_brin"):
        op.execute(f"DROP INDEX IF EXISTS {index}")
    op.execute("DROP FUNCTION IF EXISTS pantau_region_timezone(text)")
