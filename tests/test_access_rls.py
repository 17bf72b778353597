"""Migration 0007, row-level security per region: office logins see only their regions' rows,
in every table and view analysts read; an office login without a region sees nothing; other
analysts and the crawler (the tables' owner, not a superuser) see and write everything. A
near-duplicate cluster spread over two regions shows each office only its own copies."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.types.json import Jsonb

from crawler.report import Limits, ReportWindow, build_report
from crawler.storage.access import grant_region
from crawler.storage.clusters import refresh_clusters
from crawler.storage.migrate import alembic_config, upgrade
from crawler.storage.writer import PostWriter
from tests.factories import make_post
from tests.reportdata import EVENT, EVENT_START, SOURCES, seed_database

pytestmark = pytest.mark.integration


@dataclass
class Env:
    """The database, its roles and the seeded posts."""

    admin: str  # superuser URL of the test database (a DBA)
    crawler: str  # the crawler's own URL: owns the tables, no superuser
    db: str
    roles: dict[str, str]
    posts: list[dict[str, Any]]

    def url(self, role: str) -> str:
        parts = urlsplit(self.admin)
        return parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port or 5432}").geturl()


def role_url(base: str, role: str, db: str) -> str:
    parts = urlsplit(base)
    return parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port or 5432}",
                          path=f"/{db}").geturl()


@pytest.fixture(scope="module")
def env(pg_admin_url: str, migrated_database: str) -> Iterator[Env]:
    """A database owned and migrated by a non-superuser crawler role, seeded by it; two
    office logins (62, 63), an office login without a region and a plain analyst.
    (``migrated_database`` makes sure a superuser migration created the group roles.)"""
    suffix = uuid.uuid4().hex[:8]
    roles = {name: f"t_{name}_{suffix}" for name in
             ("crawler", "office62", "office63", "office_none", "analyst")}
    db = f"pantau_t_access_{suffix}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name, role in roles.items():
            extra = sql.SQL(" IN ROLE pantau_analyst") if name == "analyst" else sql.SQL("")
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEROLE{}").format(
                sql.Identifier(role), extra))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(db), sql.Identifier(roles["crawler"])))
    admin = urlsplit(pg_admin_url)._replace(path=f"/{db}").geturl()
    crawler = role_url(pg_admin_url, roles["crawler"], db)
    try:
        upgrade(crawler)
        posts = seed_database(crawler)
        with psycopg.connect(crawler) as conn:
            kalteng = next(p for p in posts if p["source"] == "forum-kalteng")
            kalsel = next(p for p in posts if p["region_codes"] == ["63"])
            for post in (kalteng, kalsel):
                conn.execute("INSERT INTO post_versions (uid, version, content_hash, body_text,"
                             " superseded_at) VALUES (%s, 1, 'old', 'lama', now())",
                             [post["uid"]])
            for name, (region, *_rest) in SOURCES.items():
                conn.execute("INSERT INTO crawl_runs (source, region, status) VALUES"
                             " (%s, %s, 'succeeded')", [name, region])
        with psycopg.connect(admin) as conn:
            grant_region(conn, roles["office62"], "62")
            grant_region(conn, roles["office63"], "63")
            conn.execute(sql.SQL("GRANT pantau_office TO {}").format(
                sql.Identifier(roles["office_none"])))
        yield Env(admin, crawler, db, roles, posts)
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(db)))
            for role in roles.values():
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def region_posts(posts: list[dict[str, Any]], region: str) -> set[str]:
    """What `pantau export --region` selects: the region named, or a source of the region."""
    own = {n for n, s in SOURCES.items() if s[0] == region or s[0].startswith(region + ".")}
    return {p["uid"] for p in posts if region in p["region_codes"] or p["source"] in own}


def seen(url: str) -> dict[str, Any]:
    """Every table and view analysts read, as the login of ``url`` sees them."""
    with psycopg.connect(url) as conn:
        def col(query: str) -> set[Any]:
            return {row[0] for row in conn.execute(query).fetchall()}

        def one(query: str) -> Any:
            row = conn.execute(query).fetchone()
            return row[0] if row else None

        return {
            "posts": col("SELECT uid FROM posts"),
            "v_post_search": col("SELECT uid FROM v_post_search"),
            "v_flagged_posts": col("SELECT uid FROM v_flagged_posts"),
            "v_daily_volume": one("SELECT coalesce(sum(posts), 0) FROM v_daily_volume"),
            "v_daily_volume.sources": col("SELECT DISTINCT source FROM v_daily_volume"),
            "v_thread_activity": one("SELECT coalesce(sum(posts), 0) FROM v_thread_activity"),
            "near_duplicate_spread": one(
                "SELECT coalesce(sum(posts), 0) FROM near_duplicate_spread"),
            "v_near_duplicate_clusters": {tuple(r) for r in conn.execute(
                "SELECT cluster_id, flagged_posts FROM v_near_duplicate_clusters").fetchall()},
            "near_duplicate_clusters": col("SELECT id FROM near_duplicate_clusters"),
            "sources": col("SELECT name FROM sources"),
            "crawl_runs": col("SELECT source FROM crawl_runs"),
            "threads": col("SELECT native_id FROM threads"),
            "post_versions": col("SELECT uid FROM post_versions"),
        }


def expected(env: Env, visible: set[str], *, office: bool = True) -> dict[str, Any]:
    """What a reader of exactly the posts ``visible`` must see everywhere (an office login
    reads clusters through ``v_near_duplicate_clusters`` only, never the stored rows)."""
    mine = [p for p in env.posts if p["uid"] in visible]
    clusters: dict[int, int] = {}
    for post in mine:
        if post.get("cluster_id") is not None:
            clusters[post["cluster_id"]] = (clusters.get(post["cluster_id"], 0)
                                            + bool(post["watchlist_flags"]))
    sources = {p["source"] for p in mine}
    with psycopg.connect(env.admin) as conn:
        versions = {r[0] for r in conn.execute("SELECT uid FROM post_versions").fetchall()}
    return {
        "posts": visible, "v_post_search": visible,
        "v_flagged_posts": {p["uid"] for p in mine if p["watchlist_flags"]},
        "v_daily_volume": len(mine), "v_daily_volume.sources": sources,
        "v_thread_activity": len(mine),
        "near_duplicate_spread": sum(p.get("cluster_id") is not None for p in mine),
        "v_near_duplicate_clusters": set(clusters.items()),
        "near_duplicate_clusters": set() if office else set(clusters),
        "threads": {"t1"} if any(p["source"] == "forum-kalteng" for p in mine) else set(),
        "post_versions": versions & visible,
    }


def test_each_office_sees_only_its_regions_rows_in_every_table_and_view(env: Env) -> None:
    for office, region, own_sources in (
            ("office62", "62", {"forum-kalteng", "forum-palangka", "news-kalteng"}),
            ("office63", "63", {"forum-kalsel"})):
        visible = region_posts(env.posts, region)
        got = seen(env.url(env.roles[office]))
        want = expected(env, visible)
        assert {k: got[k] for k in want} == want, office
        assert got["sources"] == own_sources
        assert got["crawl_runs"] == own_sources
        assert 0 < len(visible) < len(env.posts)
    sixty_two, sixty_three = (region_posts(env.posts, r) for r in ("62", "63"))
    # Kalimantan Selatan posts that name Kotawaringin Timur (62.02) are also Kalteng's.
    assert sixty_two & sixty_three
    assert all("62" in p["region_codes"] for p in env.posts if p["uid"] in sixty_three
               and p["uid"] in sixty_two)


def test_an_office_login_without_a_region_sees_nothing(env: Env) -> None:
    got = seen(env.url(env.roles["office_none"]))
    assert all(not value for value in got.values()), got


def test_without_a_grant_analysts_and_the_crawler_see_everything(env: Env) -> None:
    everything = expected(env, {p["uid"] for p in env.posts}, office=False)
    for url in (env.url(env.roles["analyst"]), env.crawler):
        got = seen(url)
        assert {k: got[k] for k in everything} == everything
        assert got["sources"] == set(SOURCES)
        assert got["crawl_runs"] == set(SOURCES)


# A copy-paste campaign across Kalimantan Tengah and Kalimantan Selatan: two posts only 63
# reads, two only 62 reads (from two 62 sources), one both read (it names 62 and 63).
# The lowest uid, the stored sample, is a 63-only post: what an office of 62 once saw.
CLUSTER_ID = 62063
SPREAD = (  # uid, source, region codes, author, hours after the event's start, flagged
    ("x63a", "forum-kalsel", ["63"], "akun-k1", 6, True),
    ("x63b", "forum-kalsel", ["63"], "akun-k2", 11, False),
    ("xboth", "forum-kalteng", ["62", "63"], "akun-t1", 9, True),
    ("xk62a", "forum-palangka", ["62.71", "62"], "akun-t1", 7, False),
    ("xk62b", "news-kalteng", ["62"], "akun-t2", 8, True),
)
FIGURES = ("size", "authors", "threads", "sources", "platforms", "first_at", "last_at",
           "flagged_posts", "sample_uid", "sample_text")


@pytest.fixture
def spread_cluster(env: Env) -> Iterator[list[dict[str, Any]]]:
    """The campaign's posts, clustered by the crawler's own code (its stored figures count
    every region); removed again afterwards, so the other tests' counts hold."""
    template = next(p for p in env.posts if p["source"] == "forum-kalsel")
    posts = []
    for uid, source, codes, author, hours, flagged in SPREAD:
        _region, platform, site, _zone = SOURCES[source]
        at = EVENT_START + timedelta(hours=hours)
        posts.append({**template, "uid": uid, "source": source, "platform": platform,
                      "site": site, "native_id": uid, "thread_native_id": f"x-{uid}",
                      "url": f"{site}/{uid}", "region_codes": codes, "author_key": author,
                      "published_at": at, "first_seen_at": at, "last_seen_at": at,
                      "deleted_at": None, "at": at, "content_hash": f"h-{uid}",
                      "body_text": f"Sebarkan: kotak suara dibakar ({uid})",
                      "watchlist_flags": ["sara:bakar"] if flagged else []})
    columns = [c for c in posts[0] if c not in ("words", "at", "cluster_id")]
    with psycopg.connect(env.crawler) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                sql.SQL("INSERT INTO posts ({}) VALUES ({})").format(
                    sql.SQL(", ").join(map(sql.Identifier, columns)),
                    sql.SQL(", ").join(sql.Placeholder() * len(columns))),
                [[Jsonb(p[c]) if c == "metrics" else p[c] for c in columns] for p in posts])
        conn.execute("INSERT INTO near_duplicate_clusters (id) VALUES (%s)", [CLUSTER_ID])
        conn.execute("UPDATE posts SET cluster_id = %s WHERE uid = ANY(%s)",
                     [CLUSTER_ID, [p["uid"] for p in posts]])
        refresh_clusters(conn, [CLUSTER_ID])
    try:
        yield posts
    finally:
        with psycopg.connect(env.crawler) as conn:
            conn.execute("DELETE FROM posts WHERE uid = ANY(%s)", [[p["uid"] for p in posts]])
            conn.execute("DELETE FROM near_duplicate_clusters WHERE id = %s", [CLUSTER_ID])


def figures(members: list[dict[str, Any]]) -> dict[str, Any]:
    """A cluster's figures over ``members``, by the rule of clusters.refresh_clusters."""
    sample = min(members, key=lambda p: p["uid"])
    return {"size": len(members), "authors": len({p["author_key"] for p in members}),
            "threads": len({(p["site"], p["thread_native_id"]) for p in members}),
            "sources": sorted({p["source"] for p in members}),
            "platforms": sorted({p["platform"] for p in members}),
            "first_at": min(p["at"] for p in members), "last_at": max(p["at"] for p in members),
            "flagged_posts": sum(bool(p["watchlist_flags"]) for p in members),
            "sample_uid": sample["uid"], "sample_text": sample["body_text"]}


def cluster_as_seen(url: str, region: str) -> dict[str, Any]:
    """The campaign's cluster as the login of ``url`` reads it, everywhere it shows."""
    with psycopg.connect(url) as conn:
        cur = conn.execute(f"SELECT {', '.join(FIGURES)} FROM v_near_duplicate_clusters"
                           " WHERE cluster_id = %s", [CLUSTER_ID])
        row = cur.fetchone()
        window = ReportWindow(region, region, "Asia/Jakarta", EVENT, timedelta(days=1),
                              timedelta(days=1))
        report = build_report(conn, window, Limits(flagged_posts=1000))
        return {
            "view": dict(zip(FIGURES, row, strict=True)) if row else None,
            "stored": conn.execute("SELECT id FROM near_duplicate_clusters").fetchall(),
            "flagged": set(conn.execute(
                "SELECT uid, cluster_size FROM v_flagged_posts WHERE cluster_id = %s",
                [CLUSTER_ID]).fetchall()),
            "report": {(p.uid, p.cluster_size) for p in report.top_flagged
                       if p.cluster_id == CLUSTER_ID},
            "spread": conn.execute("SELECT coalesce(sum(posts), 0) FROM near_duplicate_spread"
                                   " WHERE cluster_id = %s", [CLUSTER_ID]).fetchone(),
        }


def test_an_office_sees_a_cross_region_cluster_as_its_own_posts_make_it(
        env: Env, spread_cluster: list[dict[str, Any]]) -> None:
    with psycopg.connect(env.crawler) as conn:  # the stored figures count both regions
        stored = conn.execute("SELECT size, sources, sample_uid FROM near_duplicate_clusters"
                              " WHERE id = %s", [CLUSTER_ID]).fetchone()
    assert stored == (5, sorted(SOURCES), "x63a")
    shown = {}
    for office, region in (("office62", "62"), ("office63", "63")):
        mine = [p for p in spread_cluster if p["uid"] in region_posts(spread_cluster, region)]
        got = cluster_as_seen(env.url(env.roles[office]), region)
        assert got["view"] == figures(mine), office
        assert got["stored"] == [], office  # no stored row: its figures are every region's
        flagged = {(p["uid"], len(mine)) for p in mine if p["watchlist_flags"]}
        assert got["flagged"] == flagged, office
        assert got["report"] == flagged, office
        assert got["spread"] == (len(mine),)
        shown[region] = got["view"]
    assert (shown["62"]["size"], shown["62"]["authors"], shown["62"]["sources"],
            shown["62"]["sample_uid"]) == (
        3, 2, ["forum-kalteng", "forum-palangka", "news-kalteng"], "xboth")
    assert (shown["63"]["size"], shown["63"]["authors"], shown["63"]["sources"],
            shown["63"]["sample_uid"]) == (3, 3, ["forum-kalsel", "forum-kalteng"], "x63a")
    assert shown["62"]["first_at"] == EVENT_START + timedelta(hours=7)  # not x63a's 6 h


def old_view(name: str) -> str:
    """Migration 0006's definition of the view called ``name``, as a temporary view."""
    location = alembic_config().get_main_option("script_location")
    assert location is not None
    path = Path(location) / "versions" / "0006_analyst_views.py"
    spec = importlib.util.spec_from_file_location("migration_0006", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = {"v_near_duplicate_clusters": module.CLUSTERS,
            "v_flagged_posts": module.FLAGGED_POSTS}[name]
    return str(text).replace(f"CREATE VIEW {name}", f"CREATE TEMP VIEW old_{name}", 1)


def test_unfiltered_readers_see_clusters_exactly_as_before(
        env: Env, spread_cluster: list[dict[str, Any]]) -> None:
    whole = figures(spread_cluster)
    with_flags = {(p["uid"], 5) for p in spread_cluster if p["watchlist_flags"]}
    for url in (env.url(env.roles["analyst"]), env.crawler, env.admin):
        got = cluster_as_seen(url, "62")
        assert got["view"] == whole
        assert got["flagged"] == with_flags
        assert got["report"] == {(uid, 5) for uid, _ in with_flags
                                 if uid in region_posts(spread_cluster, "62")}
        with psycopg.connect(url) as conn:
            for view in ("v_near_duplicate_clusters", "v_flagged_posts"):
                conn.execute(old_view(view))
                now, before = (conn.execute(f"SELECT * FROM {v} ORDER BY 1").fetchall()
                               for v in (view, f"old_{view}"))
                assert now == before, (url, view)
                assert len(now) >= 3
            # The seeded clusters' stored figures differ from a recount (no sources stored):
            # the stored ones are what these readers get.
            assert conn.execute("SELECT sources FROM v_near_duplicate_clusters"
                                " WHERE cluster_id = 1").fetchone() == ([],)


def test_the_crawler_still_writes_with_copy_and_offices_see_by_region(env: Env) -> None:
    site = SOURCES["forum-kalteng"][2]
    fresh = [make_post(i, source="forum-kalteng", site=site, seed=i, region_codes=["62"])
             for i in range(900, 905)]
    with psycopg.connect(env.crawler) as conn:
        result = PostWriter(conn).write(fresh)
        conn.commit()
    assert result.new == len(fresh)  # the COPY path: owners are not subject to RLS
    uids = {p.uid for p in fresh}
    assert uids <= seen(env.url(env.roles["office62"]))["posts"]
    assert not uids & seen(env.url(env.roles["office63"]))["posts"]
    assert uids <= seen(env.crawler)["posts"]


def test_offices_read_and_write_nothing_else(env: Env) -> None:
    with psycopg.connect(env.url(env.roles["office62"])) as conn:
        mapping = conn.execute("SELECT role_name, region FROM analyst_regions").fetchall()
        assert mapping == [(env.roles["office62"], "62")]  # not the other offices' rows
        for statement in ("DELETE FROM posts", "UPDATE sources SET region = '62'",
                          "INSERT INTO analyst_regions VALUES ('x', '63')",
                          "SELECT count(*) FROM post_minhash"):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()


def pantau(*args: str, url: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    return subprocess.run([sys.executable, "-m", "crawler", "access", *args], text=True,
                          capture_output=True, timeout=60, check=False,
                          env={**base, "PANTAU_DATABASE_URL": url, "PANTAU_LANG": lang})


def test_access_commands_grant_list_and_revoke(env: Env, pg_admin_url: str) -> None:
    import json

    role = f"t_cli_office_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        done = pantau("grant", "--role", role, "--region", "63", url=env.admin)
        assert done.returncode == 0, done.stderr
        assert f"{role}: region 63 granted" in done.stdout
        again = pantau("grant", "--role", role, "--region", "63", url=env.admin)
        assert "already granted" in again.stdout
        assert seen(env.url(role))["posts"] == region_posts(env.posts, "63")
        listed = json.loads(pantau("list", "--json", url=env.admin).stdout)
        assert {(r["role"], r["region"]) for r in listed} >= {
            (role, "63"), (env.roles["office62"], "62"), (env.roles["office_none"], None)}

        revoked = pantau("revoke", "--role", role, "--all", url=env.admin)
        assert revoked.returncode == 0, revoked.stderr
        assert "revoked 63" in revoked.stdout
        assert not seen(env.url(role))["posts"]  # still an office login: fails closed
        listed = json.loads(pantau("list", "--json", url=env.admin).stdout)
        assert (role, None) in {(r["role"], r["region"]) for r in listed}

        for args, message in (
                (("--role", "postgres", "--region", "62"), "is a superuser"),
                (("--role", env.roles["crawler"], "--region", "62"), "owns pantau's tables"),
                (("--role", f"nobody_{uuid.uuid4().hex[:6]}", "--region", "62"), "no role"),
                (("--role", role, "--region", "6x"), "not a Kemendagri code")):
            refused = pantau("grant", *args, url=env.admin)
            assert refused.returncode == 2, refused
            assert message in refused.stderr
            assert "Traceback" not in refused.stderr
        # The crawler owns the tables but may not grant pantau_office: a refusal, worded
        # in the user's language like every line of the command.
        analyst = env.roles["analyst"]
        for lang, lines in (
                ("en", [f"error: {env.roles['crawler']} may not grant pantau_office",
                        f"hint: a DBA runs: GRANT pantau_office TO {analyst}; then repeat "
                        "this command"]),
                ("id", [f"galat: {env.roles['crawler']} tidak boleh memberikan pantau_office",
                        f"saran: DBA menjalankan: GRANT pantau_office TO {analyst}; lalu "
                        "ulangi perintah ini"])):
            refused = pantau("grant", "--role", analyst, "--region", "62", url=env.crawler,
                             lang=lang)
            assert (refused.returncode, refused.stderr.splitlines()) == (2, lines), refused
        assert "tidak ada role bernama" in pantau(
            "grant", "--role", "nobody_x", "--region", "62", url=env.admin, lang="id").stderr
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_an_office_exports_only_its_rows(env: Env) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}

    def export(role: str, *args: str) -> set[str]:
        import json

        done = subprocess.run(
            [sys.executable, "-m", "crawler", "export", "--format", "jsonl", *args],
            capture_output=True, timeout=120, check=False,
            env={**base, "PANTAU_DATABASE_URL": env.url(env.roles[role])})
        assert done.returncode == 0, done.stderr
        return {json.loads(line)["uid"] for line in done.stdout.splitlines()}

    sixty_two, sixty_three = (region_posts(env.posts, r) for r in ("62", "63"))
    assert export("office62") >= sixty_two  # (and the posts the crawler test added)
    assert not export("office62") & (sixty_three - sixty_two)
    # Kalimantan Selatan's office asking for Kalimantan Tengah: only its posts naming 62.
    assert export("office63", "--region", "62") == sixty_two & sixty_three
    with psycopg.connect(env.admin) as conn:
        audited = conn.execute("SELECT db_user, rows FROM export_audit ORDER BY id").fetchall()
    assert audited[-1] == (env.roles["office63"], len(sixty_two & sixty_three))


def test_a_region_granted_to_a_group_filters_its_members(env: Env, pg_admin_url: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    group, person = f"t_staff63_{suffix}", f"t_person_{suffix}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group)))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(
            sql.Identifier(person), sql.Identifier(group)))
    try:
        with psycopg.connect(env.admin) as conn:
            assert grant_region(conn, group, "63") is True
        assert seen(env.url(person))["posts"] == region_posts(env.posts, "63")
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            for role in (person, group):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
