"""Incremental re-crawls: where each thread resumes, deep runs, and shard signatures.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = [
    # What the thread list showed when the thread was last crawled (unchanged: skip it),
    # and where the thread's last page was (changed: resume there).
    "ALTER TABLE threads ADD COLUMN signature text",
    "ALTER TABLE threads ADD COLUMN last_page_url text",
    "ALTER TABLE threads ADD COLUMN last_page_position int",
    "ALTER TABLE threads ADD COLUMN last_post_native_id text",
    "ALTER TABLE threads ADD COLUMN last_crawled_at timestamptz",
    # A deep run fetches every page of every thread (and judges deletions).
    "ALTER TABLE crawl_runs ADD COLUMN deep boolean NOT NULL DEFAULT false",
    "ALTER TABLE crawl_shards ADD COLUMN signatures jsonb NOT NULL DEFAULT '{}'::jsonb",
    "CREATE INDEX crawl_runs_source_deep_idx ON crawl_runs (source, finished_at) "
    "WHERE deep AND status = 'succeeded'",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX crawl_runs_source_deep_idx")
    op.execute("ALTER TABLE crawl_shards DROP COLUMN signatures")
    op.execute("ALTER TABLE crawl_runs DROP COLUMN deep")
    for column in ("last_crawled_at", "last_post_native_id", "last_page_position",
                   "last_page_url", "signature"):
        op.execute(f"ALTER TABLE threads DROP COLUMN {column}")
