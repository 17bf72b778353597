"""Shards of a crawl run: bounded batches of threads that any worker may crawl.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CRAWL_SHARDS = """
CREATE TABLE crawl_shards (
    run_id         bigint NOT NULL REFERENCES crawl_runs (id) ON DELETE CASCADE,
    shard_no       int NOT NULL,
    status         text NOT NULL DEFAULT 'queued' CHECK (status IN
                       ('queued', 'running', 'succeeded', 'failed', 'revoked', 'timeout')),
    urls           text[] NOT NULL,
    task_id        text,
    hostname       text,
    attempts       int NOT NULL DEFAULT 0,
    reason         text,
    pages          int NOT NULL DEFAULT 0,
    items          int NOT NULL DEFAULT 0,
    errors         int NOT NULL DEFAULT 0,
    posts_new      int NOT NULL DEFAULT 0,
    posts_edited   int NOT NULL DEFAULT 0,
    posts_unchanged int NOT NULL DEFAULT 0,
    posts_deleted  int NOT NULL DEFAULT 0,
    error_reasons  jsonb NOT NULL DEFAULT '[]'::jsonb,
    started_at     timestamptz,
    finished_at    timestamptz,
    PRIMARY KEY (run_id, shard_no)
)
"""


def upgrade() -> None:
    op.execute(CRAWL_SHARDS)
    op.execute("ALTER TABLE crawl_runs ADD COLUMN shards int NOT NULL DEFAULT 0")


def downgrade() -> None:
    op.execute("ALTER TABLE crawl_runs DROP COLUMN shards")
    op.execute("DROP TABLE crawl_shards")
