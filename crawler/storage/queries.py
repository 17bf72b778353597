"""Small read helpers for the CLI and tests; analysts query the tables and views directly."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row


def count_posts(
    conn: psycopg.Connection[Any], source: str | None = None, include_deleted: bool = False
) -> int:
    """How many posts are stored (of one source; deleted ones only when asked)."""
    row = conn.execute(
        "SELECT count(*) FROM posts WHERE (%(source)s::text IS NULL OR source = %(source)s)"
        " AND (%(all)s OR deleted_at IS NULL)",
        {"source": source, "all": include_deleted},
    ).fetchone()
    assert row is not None
    return int(row[0])


def posts_for_source(conn: psycopg.Connection[Any], source: str) -> list[dict[str, Any]]:
    """Every stored post of a source (deleted ones included), in thread order."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT * FROM posts WHERE source = %s"
            " ORDER BY site, thread_native_id NULLS LAST, position NULLS LAST, native_id, uid",
            (source,),
        ).fetchall()


def version_count(conn: psycopg.Connection[Any], uid: str | None = None) -> int:
    """How many superseded versions are stored (of one post)."""
    row = conn.execute(
        "SELECT count(*) FROM post_versions WHERE %(uid)s::text IS NULL OR uid = %(uid)s",
        {"uid": uid},
    ).fetchone()
    assert row is not None
    return int(row[0])
