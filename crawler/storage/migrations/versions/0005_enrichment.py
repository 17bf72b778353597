"""Enrichment: near-duplicate clusters, MinHash signatures and LSH bands, enrichment state.

``posts.cluster_id`` groups posts whose text is (nearly) the same, across accounts, threads
and sources (``near_duplicate_clusters`` keeps each cluster's size and spread; the view
``near_duplicate_spread`` breaks it down by source). ``post_minhash`` holds each post's
MinHash signature and ``post_minhash_bands`` its LSH band buckets, so a new post finds its
near-duplicates with an index lookup instead of comparing against every stored post.
``posts.enriched_updated_at`` is the ``updated_at`` a post had when it was last enriched:
posts where the two differ are what `pantau enrich` (without --rebuild) processes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CLUSTERS = """
CREATE TABLE near_duplicate_clusters (
    id            bigserial PRIMARY KEY,
    size          integer NOT NULL DEFAULT 0,
    authors       integer NOT NULL DEFAULT 0,
    threads       integer NOT NULL DEFAULT 0,
    sources       text[] NOT NULL DEFAULT '{}',
    platforms     text[] NOT NULL DEFAULT '{}',
    first_at      timestamptz,
    last_at       timestamptz,
    sample_uid    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
)
"""

POST_COLUMNS = """
ALTER TABLE posts
    ADD COLUMN cluster_id bigint
        REFERENCES near_duplicate_clusters (id) ON DELETE SET NULL,
    ADD COLUMN enriched_updated_at timestamptz
"""

MINHASH = """
CREATE TABLE post_minhash (
    uid           text PRIMARY KEY REFERENCES posts (uid) ON DELETE CASCADE,
    content_hash  text NOT NULL,
    signature     bytea
)
"""

BANDS = """
CREATE TABLE post_minhash_bands (
    band    smallint NOT NULL,
    bucket  bigint NOT NULL,
    uid     text NOT NULL REFERENCES post_minhash (uid) ON DELETE CASCADE,
    PRIMARY KEY (band, bucket, uid)
)
"""

# One row per (cluster, source, platform): how a copy-paste campaign spread.
SPREAD = """
CREATE VIEW near_duplicate_spread AS
SELECT cluster_id, source, platform,
       count(*) AS posts,
       count(DISTINCT author_key) AS authors,
       min(COALESCE(published_at, first_seen_at)) AS first_at,
       max(COALESCE(published_at, first_seen_at)) AS last_at
FROM posts
WHERE cluster_id IS NOT NULL
GROUP BY cluster_id, source, platform
"""

INDEXES = (
    "CREATE INDEX posts_cluster_idx ON posts (cluster_id) WHERE cluster_id IS NOT NULL",
    # "posts flagged sara:*" and "posts with flag X"
    "CREATE INDEX posts_watchlist_flags_gin ON posts USING gin (watchlist_flags)",
    "CREATE INDEX post_minhash_bands_uid_idx ON post_minhash_bands (uid)",
)


def upgrade() -> None:
    for statement in (CLUSTERS, POST_COLUMNS, MINHASH, BANDS, SPREAD, *INDEXES):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS near_duplicate_spread")
    op.execute("DROP INDEX IF EXISTS posts_watchlist_flags_gin")
    op.execute("DROP TABLE IF EXISTS post_minhash_bands, post_minhash")
    op.execute("ALTER TABLE posts DROP COLUMN IF EXISTS cluster_id, "
               "DROP COLUMN IF EXISTS enriched_updated_at")
    op.execute("DROP TABLE IF EXISTS near_duplicate_clusters")
