"""Initial schema: sources, crawl_runs, threads, posts, post_versions.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SOURCES = """
CREATE TABLE sources (
    name        text PRIMARY KEY,
    kind        text NOT NULL,
    engine      text,
    url         text,
    site        text,
    region      text,
    config      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
)
"""

CRAWL_RUNS = """
CREATE TABLE crawl_runs (
    id               bigserial PRIMARY KEY,
    task_id          text UNIQUE,
    source           text NOT NULL,
    region           text,
    status           text NOT NULL DEFAULT 'queued' CHECK (status IN
                         ('queued', 'running', 'succeeded', 'failed', 'revoked', 'timeout')),
    reason           text,
    queued_at        timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    hostname         text,
    pid              integer,
    pages            integer NOT NULL DEFAULT 0,
    items            integer NOT NULL DEFAULT 0,
    errors           integer NOT NULL DEFAULT 0,
    posts_new        integer NOT NULL DEFAULT 0,
    posts_edited     integer NOT NULL DEFAULT 0,
    posts_unchanged  integer NOT NULL DEFAULT 0,
    posts_deleted    integer NOT NULL DEFAULT 0,
    error_reasons    jsonb NOT NULL DEFAULT '[]'::jsonb,
    stats            jsonb
)
"""

THREADS = """
CREATE TABLE threads (
    uid               text PRIMARY KEY,
    site              text NOT NULL,
    source            text NOT NULL,
    native_id         text NOT NULL,
    url               text,
    title             text,
    container         text,
    first_seen_at     timestamptz NOT NULL,
    last_seen_at      timestamptz NOT NULL,
    last_complete_at  timestamptz,
    post_count        integer,
    UNIQUE (site, native_id)
)
"""

POSTS = """
CREATE TABLE posts (
    uid                text PRIMARY KEY,
    platform           text NOT NULL,
    site               text NOT NULL,
    source             text NOT NULL,
    url                text NOT NULL,
    native_id          text NOT NULL,
    kind               text NOT NULL,
    thread_native_id   text,
    thread_title       text,
    container          text,
    parent_native_id   text,
    quoted_native_ids  text[] NOT NULL DEFAULT '{}',
    position           integer,
    author_key         text,
    author_name        text,
    published_at       timestamptz,
    published_via      text NOT NULL,
    first_seen_at      timestamptz NOT NULL,
    last_seen_at       timestamptz NOT NULL,
    edited_at          timestamptz,
    deleted_at         timestamptz,
    title              text,
    body_text          text NOT NULL,
    language           text,
    links              text[] NOT NULL DEFAULT '{}',
    hashtags           text[] NOT NULL DEFAULT '{}',
    mentions           text[] NOT NULL DEFAULT '{}',
    media              jsonb NOT NULL DEFAULT '[]'::jsonb,
    metrics            jsonb NOT NULL DEFAULT '{}'::jsonb,
    region_codes       text[] NOT NULL DEFAULT '{}',
    watchlist_flags    text[] NOT NULL DEFAULT '{}',
    content_hash       text NOT NULL,
    extractor_version  integer NOT NULL,
    version            integer NOT NULL DEFAULT 1,
    raw                jsonb,
    crawl_run          bigint REFERENCES crawl_runs (id) ON DELETE SET NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
)
"""

POST_VERSIONS = """
CREATE TABLE post_versions (
    uid            text NOT NULL REFERENCES posts (uid) ON DELETE CASCADE,
    version        integer NOT NULL,
    content_hash   text NOT NULL,
    title          text,
    body_text      text NOT NULL,
    edited_at      timestamptz,
    superseded_at  timestamptz NOT NULL,
    crawl_run      bigint REFERENCES crawl_runs (id) ON DELETE SET NULL,
    PRIMARY KEY (uid, version)
)
"""

INDEXES = (
    # the writer's complete_thread and thread views; analysts' "posts of a thread"
    "CREATE INDEX posts_site_thread_idx ON posts (site, thread_native_id)",
    # per-source timelines and reports
    "CREATE INDEX posts_source_published_idx ON posts (source, published_at)",
    # cross-source time windows (before/after an event)
    "CREATE INDEX posts_published_idx ON posts (published_at)",
    # "posts about region 62.71"
    "CREATE INDEX posts_region_codes_gin ON posts USING gin (region_codes)",
    "CREATE INDEX crawl_runs_source_idx ON crawl_runs (source, id DESC)",
    "CREATE INDEX threads_source_idx ON threads (source)",
)


def upgrade() -> None:
    for statement in (SOURCES, CRAWL_RUNS, THREADS, POSTS, POST_VERSIONS, *INDEXES):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS post_versions, posts, threads, crawl_runs, sources")
