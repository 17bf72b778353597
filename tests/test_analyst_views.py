"""Migration 0006: analyst views return the expected rows, Indonesian full-text search finds
stemmed words through its index, and the read-only role can read but not write."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from psycopg import errors

from crawler.report.areas import official_names
from crawler.report.zones import zone_of_code
from tests.reportdata import SOURCES, seed_database


@pytest.fixture(scope="module")
def seeded(database: str) -> tuple[str, list[dict[str, Any]]]:
    return database, seed_database(database)


def rows(database: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(database) as conn:
        return conn.execute(query, params).fetchall()


def test_daily_volume_counts_each_day_in_the_sources_zone(
        seeded: tuple[str, list[dict[str, Any]]]) -> None:
    database, posts = seeded
    got = {(day.isoformat(), source, zone): (n, authors, flagged, deleted)
           for day, source, zone, n, authors, flagged, deleted in rows(database, """
        SELECT day, source, timezone, posts, authors, flagged_posts, deleted_posts
        FROM v_daily_volume""")}
    expected: dict[tuple[str, str, str], list[Any]] = {}
    for post in posts:
        zone = SOURCES[post["source"]][3]
        offset = timedelta(hours=8 if zone == "Asia/Makassar" else 7)
        key = ((post["at"] + offset).date().isoformat(), post["source"], zone)
        entry = expected.setdefault(key, [0, set(), 0, 0])
        entry[0] += 1
        entry[1].add(post["author_key"])
        entry[2] += bool(post["watchlist_flags"])
        entry[3] += post["deleted_at"] is not None
    assert got == {k: (n, len(a - {None}), f, d) for k, (n, a, f, d) in expected.items()}
    assert ("2019-04-17", "forum-kalsel", "Asia/Makassar") in got  # 16:30Z is 00:30 WITA


def test_flagged_posts_and_clusters(seeded: tuple[str, list[dict[str, Any]]]) -> None:
    database, posts = seeded
    flagged = {p["uid"]: p for p in posts if p["watchlist_flags"]}
    got = rows(database, "SELECT uid, watchlist_flags, flag_count, cluster_id, cluster_size"
                         " FROM v_flagged_posts")
    assert {r[0] for r in got} == set(flagged)
    for uid, flags, count, cluster, size in got:
        assert (flags, count) == (flagged[uid]["watchlist_flags"], len(flags))
        assert cluster == flagged[uid].get("cluster_id")
        assert size == {1: 4, 2: 2}.get(cluster)
    clusters = rows(database, "SELECT cluster_id, size, flagged_posts, sample_uid, sample_text"
                              " FROM v_near_duplicate_clusters ORDER BY cluster_id")
    by_uid = {p["uid"]: p for p in posts}
    assert [(c[0], c[1], c[2]) for c in clusters] == [(1, 4, 4), (2, 2, 2)]
    assert all(c[4] == by_uid[c[3]]["body_text"] for c in clusters)


def test_thread_activity(seeded: tuple[str, list[dict[str, Any]]]) -> None:
    database, posts = seeded
    site = SOURCES["forum-kalteng"][2]
    mine = [p for p in posts if p["site"] == site and p["thread_native_id"] == "t1"]
    title, url, count, authors, flagged, first_at, last_at = rows(database, """
        SELECT title, url, posts, authors, flagged_posts, first_at, last_at
        FROM v_thread_activity WHERE site = %s AND thread_native_id = 't1'""", site)[0]
    assert (title, url) == ("Judul resmi t1", site + "/t1")  # from the threads table
    assert count == len(mine)
    assert authors == len({p["author_key"] for p in mine} - {None})
    assert flagged == sum(bool(p["watchlist_flags"]) for p in mine)
    assert (first_at, last_at) == (min(p["at"] for p in mine), max(p["at"] for p in mine))
    total = rows(database, "SELECT sum(posts) FROM v_thread_activity")[0][0]
    assert total == len(posts)


def test_full_text_search_finds_indonesian_stems_through_the_index(database: str) -> None:
    with psycopg.connect(database) as conn:
        for uid, body in (("fts1", "Pemerintah membersihkan sungai Kahayan"),
                          ("fts2", "Kebersihan kota Palangka Raya dibahas DPRD"),
                          ("fts3", "Bersih-bersih pasar besar"),
                          ("fts4", "Harga beras naik lagi")):
            conn.execute(
                "INSERT INTO posts (uid, platform, site, source, url, native_id, kind,"
                " published_via, first_seen_at, last_seen_at, body_text, content_hash,"
                " extractor_version) VALUES (%s, 'phpbb', 'http://127.0.0.1:1/fts', 'fts',"
                " 'http://127.0.0.1:1/fts', %s, 'post', 'page', now(), now(), %s, 'h', 1)",
                (uid, uid, body))
        conn.execute("ANALYZE posts")
        query = ("SELECT uid FROM v_post_search WHERE document @@ "
                 "websearch_to_tsquery('indonesian', %s) AND source = 'fts' ORDER BY uid")
        assert [r[0] for r in conn.execute(query, ("bersih",))] == ["fts1", "fts2", "fts3"]
        assert [r[0] for r in conn.execute(query, ("kebersihan -sungai",))] == ["fts2", "fts3"]
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT count(*) FROM v_post_search WHERE document @@ "
            "websearch_to_tsquery('indonesian', 'bersih')"))
        assert "posts_fts_idx" in plan
        conn.rollback()


def test_region_timezone_function_agrees_with_python(database: str) -> None:
    provinces = sorted(code for code in official_names() if "." not in code)
    assert len(provinces) == 38
    got = dict(rows(database, "SELECT c, pantau_region_timezone(c) FROM unnest(%s::text[]) c",
                    [*provinces, "62.71", "x", ""]))
    assert got == {**{c: zone_of_code(c) for c in provinces}, "62.71": "Asia/Jakarta",
                   "x": None, "": None}
    assert Counter(got[c] for c in provinces) == Counter(
        {"Asia/Jakarta": 18, "Asia/Makassar": 12, "Asia/Jayapura": 8})


def test_analyst_role_reads_views_and_writes_nothing(
        seeded: tuple[str, list[dict[str, Any]]]) -> None:
    database, posts = seeded
    with psycopg.connect(database) as conn:
        role = conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = "
                            "'pantau_analyst'").fetchone()
        assert role == (False,)
        conn.execute("SET ROLE pantau_analyst")
        count = conn.execute("SELECT sum(posts) FROM v_daily_volume").fetchone()
        assert count == (len(posts),)
        conn.execute("SELECT count(*) FROM v_post_search WHERE document @@ "
                     "to_tsquery('indonesian', 'pemilu')")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("DELETE FROM posts")
        conn.rollback()
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SET ROLE pantau_analyst; SELECT count(*) FROM post_minhash")
        conn.rollback()


def test_downgrade_and_upgrade_again(make_database: Any) -> None:
    from alembic import command

    from crawler.storage.migrate import _engine, alembic_config, current, head, upgrade

    url = make_database()
    upgrade(url)
    with _engine(url).begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    assert current(url) == "0005"
    assert rows(url, "SELECT to_regclass('v_daily_volume'), to_regclass('posts_fts_idx')"
                ) == [(None, None)]
    upgrade(url)  # the role exists already: granting again is fine
    assert current(url) == head()
    assert rows(url, "SELECT has_table_privilege('pantau_analyst', 'v_flagged_posts',"
                " 'SELECT')") == [(True,)]


def test_the_documented_queries_run(seeded: tuple[str, list[dict[str, Any]]]) -> None:
    """Every SQL example of docs/analysts.md (but the role administration) runs as the
    analyst role."""
    import re
    from pathlib import Path

    database, _ = seeded
    doc = (Path(__file__).resolve().parents[1] / "docs" / "analysts.md").read_text("utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", doc, re.DOTALL)
    pieces = [q for block in blocks for q in block.split(";")]
    queries = [q for q in pieces if re.sub(r"--[^\n]*", "", q).strip()
               and "ROLE" not in q and "GRANT" not in q]
    assert len(queries) >= 9
    with psycopg.connect(database) as conn:
        conn.execute("SET ROLE pantau_analyst")
        for query in queries:
            conn.execute(query).fetchall()
        conn.rollback()
