"""Near-duplicate clusters in PostgreSQL: signatures, LSH band buckets, cluster membership.

crawler.enrich.neardup computes; this module stores and looks up. A cluster's row is
refreshed from its members (size, authors, threads, sources, platforms, first and last time)
after every change, and a cluster left with fewer than two members is deleted (its last
member's ``cluster_id`` becomes NULL through the foreign key).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg

# Candidates looked at per post: a campaign of thousands of copies is one cluster already
# after the first few, and this bounds the work per post.
MAX_CANDIDATES = 200


def store_signatures(conn: psycopg.Connection[Any],
                     rows: Sequence[tuple[str, str, bytes | None, list[tuple[int, int]]]]
                     ) -> None:
    """Store ``(uid, content_hash, signature or None, band buckets)`` per post, replacing
    what was stored for those posts."""
    if not rows:
        return
    uids = [row[0] for row in rows]
    conn.execute("DELETE FROM post_minhash_bands WHERE uid = ANY(%s::text[])", [uids])
    conn.execute(
        "INSERT INTO post_minhash (uid, content_hash, signature)"
        " SELECT * FROM unnest(%s::text[], %s::text[], %s::bytea[])"
        " ON CONFLICT (uid) DO UPDATE SET content_hash = EXCLUDED.content_hash,"
        " signature = EXCLUDED.signature",
        [uids, [row[1] for row in rows], [row[2] for row in rows]],
    )
    bands = [(band, bucket, uid) for uid, _hash, _sig, buckets in rows
             for band, bucket in buckets]
    if bands:
        conn.execute(
            "INSERT INTO post_minhash_bands (band, bucket, uid)"
            " SELECT * FROM unnest(%s::int2[], %s::int8[], %s::text[]) ON CONFLICT DO NOTHING",
            [[b[0] for b in bands], [b[1] for b in bands], [b[2] for b in bands]],
        )


def candidate_pairs(conn: psycopg.Connection[Any], uids: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs (post, other post) that share at least one band bucket."""
    if not uids:
        return []
    rows = conn.execute(
        """
        SELECT s.uid, c.uid FROM unnest(%s::text[]) AS s (uid)
        CROSS JOIN LATERAL (
            SELECT DISTINCT other.uid
            FROM post_minhash_bands mine
            JOIN post_minhash_bands other
              ON other.band = mine.band AND other.bucket = mine.bucket AND other.uid <> mine.uid
            WHERE mine.uid = s.uid
            LIMIT %s
        ) AS c
        """,
        [list(uids), MAX_CANDIDATES],
    ).fetchall()
    return [(a, b) for a, b in rows]


def signatures_of(conn: psycopg.Connection[Any], uids: Iterable[str]
                  ) -> dict[str, tuple[bytes | None, int | None]]:
    """uid -> (stored signature, cluster id) for the given posts."""
    rows = conn.execute(
        "SELECT m.uid, m.signature, p.cluster_id FROM post_minhash m JOIN posts p USING (uid)"
        " WHERE m.uid = ANY(%s::text[])", [list(set(uids))]).fetchall()
    return {uid: (bytes(sig) if sig is not None else None, cluster) for uid, sig, cluster in rows}


def clear_clusters(conn: psycopg.Connection[Any], uids: Sequence[str] | None = None) -> list[int]:
    """Take posts out of their clusters (all posts when ``uids`` is None); the clusters they
    left, for :func:`refresh_clusters`."""
    if uids is None:
        conn.execute("UPDATE posts SET cluster_id = NULL WHERE cluster_id IS NOT NULL")
        conn.execute("DELETE FROM near_duplicate_clusters")
        return []
    rows = conn.execute(
        "UPDATE posts p SET cluster_id = NULL FROM posts old"
        " WHERE p.uid = old.uid AND p.uid = ANY(%s::text[]) AND old.cluster_id IS NOT NULL"
        " RETURNING old.cluster_id", [list(uids)]).fetchall()
    return sorted({row[0] for row in rows})


def join_clusters(conn: psycopg.Connection[Any], groups: Sequence[Sequence[str]],
                  clusters: dict[str, int | None]) -> set[int]:
    """Put each group of near-duplicate posts into one cluster: the lowest existing cluster id
    among its members (other clusters of the group merge into it), else a new cluster.
    ``clusters`` maps members to their current cluster; the clusters touched are returned."""
    touched: set[int] = set()
    for group in groups:
        existing = sorted({c for uid in group if (c := clusters.get(uid)) is not None})
        if existing:
            keep, merged = existing[0], existing[1:]
        else:
            row = conn.execute(
                "INSERT INTO near_duplicate_clusters DEFAULT VALUES RETURNING id").fetchone()
            assert row is not None
            keep, merged = int(row[0]), []
        if merged:
            conn.execute("UPDATE posts SET cluster_id = %s WHERE cluster_id = ANY(%s::int8[])",
                         [keep, merged])
            touched.update(merged)
        conn.execute("UPDATE posts SET cluster_id = %s WHERE uid = ANY(%s::text[])"
                     " AND cluster_id IS DISTINCT FROM %s", [keep, list(group), keep])
        for uid in group:
            clusters[uid] = keep
        for uid, cluster in clusters.items():
            if cluster in merged:
                clusters[uid] = keep
        touched.add(keep)
    return touched


def refresh_clusters(conn: psycopg.Connection[Any], ids: Iterable[int]) -> None:
    """Recount the given clusters from their members; delete those with fewer than two."""
    ids = sorted(set(ids))
    if not ids:
        return
    conn.execute(
        """
        UPDATE near_duplicate_clusters c SET
            size = m.size, authors = m.authors, threads = m.threads, sources = m.sources,
            platforms = m.platforms, first_at = m.first_at, last_at = m.last_at,
            sample_uid = m.sample_uid, updated_at = now()
        FROM (
            SELECT cluster_id, count(*) AS size, count(DISTINCT author_key) AS authors,
                   count(DISTINCT (site, thread_native_id)) AS threads,
                   array_agg(DISTINCT source ORDER BY source) AS sources,
                   array_agg(DISTINCT platform ORDER BY platform) AS platforms,
                   min(COALESCE(published_at, first_seen_at)) AS first_at,
                   max(COALESCE(published_at, first_seen_at)) AS last_at,
                   min(uid) AS sample_uid
            FROM posts WHERE cluster_id = ANY(%(ids)s::int8[]) GROUP BY cluster_id
        ) AS m
        WHERE c.id = m.cluster_id
        """, {"ids": ids})
    conn.execute(
        "DELETE FROM near_duplicate_clusters c WHERE c.id = ANY(%(ids)s::int8[])"
        " AND (SELECT count(*) FROM posts p WHERE p.cluster_id = c.id) < 2", {"ids": ids})
