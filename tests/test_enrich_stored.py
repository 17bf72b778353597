"""`pantau enrich` on stored posts (real PostgreSQL): re-flagging after a watchlist change,
only pending posts without --rebuild, a planted copy-paste campaign found as one cluster, and
`pantau purge-raw`."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler.config.sources import load_sources
from crawler.demosite import build_forum
from crawler.enrich.stored import EnrichBusy, EnrichOptions, enrich_stored
from crawler.storage.sources import upsert_source
from crawler.storage.writer import PostWriter
from tests.factories import edited, make_post, make_posts

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]

SOURCES_YAML = """
regions:
  - code: "62"
    name: Kalimantan Tengah
    watchlists:
      - name: sara
        terms: [{terms}]
    sources:
      - name: forum-kalteng
        url: http://127.0.0.1:8631/forum/
        engine: phpbb
"""

CAMPAIGN = ("Warga Kotawaringin Timur jangan mau dibodohi lagi. Calon nomor dua sudah terbukti "
            "gagal membangun jalan dan jembatan selama lima tahun menjabat. Dana desa dipotong, "
            "harga karet anjlok, dan janji kampanye cuma omong kosong. Sebarkan pesan ini ke "
            "grup keluarga dan tetangga sebelum hari pencoblosan tanggal 27 November!")
EDITS = [("jangan", "jgn"), ("sudah", "udah"), (" dan ", " & "), ("Warga", "Saudaraku warga"),
         ("cuma", "hanya"), ("Sebarkan", "Viralkan"), ("keluarga", "keluarga besar"),
         ("lima tahun", "5 tahun")]
PREFIXES = ["", "Copas dari grup sebelah: ", "PENTING!! ", "Baca ini: "]
SUFFIXES = ["", " #KotimBangkit", " \U0001f64f\U0001f64f", " Salam perubahan."]


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=180, check=False)


def cli_env(database: str, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(PANTAU_DATABASE_URL=database, PANTAU_REDIS_URL="redis://127.0.0.1:6379/0",
               PANTAU_CONFIG=str(config), PANTAU_ENRICH_BATCH_SIZE="7", COLUMNS="200",
               PANTAU_LANG="en")  # the messages asserted are the English ones
    return env


def flags(database: str) -> dict[str, list[str]]:
    with psycopg.connect(database) as conn:
        return {uid: list(f) for uid, f in conn.execute("SELECT uid, watchlist_flags FROM posts")}


def store(database: str, posts: list[Any], regions: dict[str, str]) -> None:
    with psycopg.connect(database) as conn:
        for source, region in regions.items():
            upsert_source(conn, source, "forum", "phpbb", None, None, region, None)
        PostWriter(conn).write(posts)


def test_rebuild_reflags_stored_posts_after_a_watchlist_change(
        fresh_migrated_database: str, tmp_path: Path) -> None:
    database = fresh_migrated_database
    texts = ["Rumah warga dibakar massa di Sampit tadi malam, polisi berjaga.",
             "Ayo usir pendatang dari kampung kita, jangan kasih ampun!",
             "Harga karet di Palangka Raya naik lagi minggu ini, petani senang sekali."]
    posts = [make_post(i, body_text=text, watchlist_flags=[], region_codes=["62"])
             for i, text in enumerate(texts)]
    store(database, [*posts, *make_posts(10, start=100)], {"forum-kalteng": "62"})
    config = tmp_path / "sources.yaml"
    config.write_text(SOURCES_YAML.format(terms="bakar"), encoding="utf-8")
    env = cli_env(database, config)

    first = run_cli(env, "enrich")
    assert first.returncode == 0, first.stderr
    assert "13 posts enriched, 1 flagged by watchlists" in first.stdout
    assert flags(database)[posts[0].uid] == ["sara:bakar"]
    config.write_text(SOURCES_YAML.format(terms="usir pendatang, harga karet"), "utf-8")
    # nothing was written since: nothing is pending, the old flags stay
    assert enrich_stored(database, EnrichOptions(), load_sources(config)).posts == 0
    assert flags(database)[posts[0].uid] == ["sara:bakar"]
    rebuilt = run_cli(env, "enrich", "--rebuild", "--region", "62")
    assert rebuilt.returncode == 0, rebuilt.stderr
    after = flags(database)
    assert after[posts[0].uid] == []
    assert after[posts[1].uid] == ["sara:usir pendatang"]
    assert after[posts[2].uid] == ["sara:harga karet"]
    with psycopg.connect(database) as conn:
        row = conn.execute("SELECT language, region_codes FROM posts WHERE uid = %s",
                           [posts[2].uid]).fetchone()
    assert row == ("id", ["62", "62.71"])


def test_only_posts_written_since_the_last_run_are_pending(fresh_migrated_database: str) -> None:
    database = fresh_migrated_database
    posts = make_posts(12)
    store(database, posts, {"forum-kalteng": "62.02"})
    options = EnrichOptions(batch_size=5)
    assert enrich_stored(database, options).posts == 12
    assert enrich_stored(database, options).posts == 0
    changed = edited(posts[3], "Jalan di Sampit rusak parah setelah hujan deras semalam, "
                     "warga minta segera diperbaiki.", seen_at=datetime.now(UTC))
    store(database, [changed], {})
    stats = enrich_stored(database, options)
    assert (stats.posts, stats.signatures) == (1, 1)
    since = enrich_stored(database, EnrichOptions(rebuild=True, since=datetime(2030, 1, 1,
                                                                               tzinfo=UTC)))
    assert since.posts == 0


def campaign(seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(20):
        text = CAMPAIGN
        for old, new in rng.sample(EDITS, 2):
            text = text.replace(old, new, 1)
        out.append(rng.choice(PREFIXES) + text + rng.choice(SUFFIXES))
    return out


def test_a_planted_campaign_is_one_cluster_and_unrelated_posts_stay_out(
        fresh_migrated_database: str) -> None:
    database = fresh_migrated_database
    sources = ["forum-kalteng", "news-kalteng", "telegram-kotim"]
    start = datetime(2024, 11, 20, 8, 0, tzinfo=UTC)
    planted = []
    for i, text in enumerate(campaign(62)):
        source = sources[i % 3]
        site = f"http://127.0.0.1:{8700 + i % 3}/"
        planted.append(make_post(i, source=source, site=site, body_text=text,
                                 native_id=f"c{i}", author_key=f"acct-{i}",
                                 published_at=start + timedelta(hours=3 * i)))
    # unrelated: random forum talk, and the demo forum's templated posts (they share phrases)
    unrelated = make_posts(150, start=1000)
    demo_site = "http://127.0.0.1:8799/"
    for i, truth in enumerate(build_forum().truth()[:250]):
        unrelated.append(make_post(5000 + i, site=demo_site, source="forum-kalteng",
                                   body_text=truth.body_text, native_id=f"d{i}"))
    near = CAMPAIGN.split(". ", maxsplit=1)[0] + ". Tapi calon nomor satu juga sama saja, " \
        "semua janji manis menjelang pilkada, jadi pilih dengan hati nurani."
    unrelated.append(make_post(9000, body_text=near, native_id="near"))
    store(database, [*planted[:10], *unrelated], dict.fromkeys(sources, "62"))
    enrich_stored(database, EnrichOptions(batch_size=64))
    store(database, planted[10:], {})  # the rest arrives later: matched against stored posts
    stats = enrich_stored(database, EnrichOptions(batch_size=64))
    assert stats.signatures == 10

    with psycopg.connect(database) as conn:
        clusters = dict(conn.execute("SELECT uid, cluster_id FROM posts").fetchall())
        planted_clusters = {clusters[p.uid] for p in planted}
        assert len(planted_clusters) == 1 and None not in planted_clusters
        (cluster,) = planted_clusters
        assert {u for u, c in clusters.items() if c == cluster} == {p.uid for p in planted}
        row = conn.execute("SELECT size, authors, sources, first_at, last_at FROM "
                           "near_duplicate_clusters WHERE id = %s", [cluster]).fetchone()
        assert row == (20, 20, sources, start, start + timedelta(hours=57))
        spread = conn.execute("SELECT source, posts FROM near_duplicate_spread "
                              "WHERE cluster_id = %s ORDER BY source", [cluster]).fetchall()
        assert spread == [("forum-kalteng", 7), ("news-kalteng", 7), ("telegram-kotim", 6)]

    # a full rebuild finds the same cluster again, from scratch
    enrich_stored(database, EnrichOptions(rebuild=True, batch_size=100))
    with psycopg.connect(database) as conn:
        ids = {row[0] for row in conn.execute(
            "SELECT cluster_id FROM posts WHERE uid = ANY(%s)", [[p.uid for p in planted]])}
        members = conn.execute("SELECT count(*) FROM posts WHERE cluster_id = ANY(%s)",
                               [list(ids)]).fetchone()
    assert len(ids) == 1 and None not in ids and members == (20,)


def test_an_edited_post_leaves_its_cluster(fresh_migrated_database: str) -> None:
    database = fresh_migrated_database
    texts = campaign(7)[:3]
    posts = [make_post(i, body_text=t) for i, t in enumerate(texts)]
    store(database, posts, {"forum-kalteng": "62"})
    enrich_stored(database, EnrichOptions())
    other = "Saya baru pulang dari pasar, harga ikan patin turun dan sayur masih murah sekali."
    store(database, [edited(posts[2], other, seen_at=datetime.now(UTC))], {})
    enrich_stored(database, EnrichOptions())
    with psycopg.connect(database) as conn:
        rows = dict(conn.execute("SELECT uid, cluster_id FROM posts").fetchall())
        size = conn.execute("SELECT size FROM near_duplicate_clusters").fetchall()
    assert rows[posts[2].uid] is None
    assert rows[posts[0].uid] == rows[posts[1].uid] is not None
    assert size == [(2,)]


def test_one_enrich_at_a_time(fresh_migrated_database: str) -> None:
    from crawler.enrich.stored import ENRICH_LOCK_KEY

    with psycopg.connect(fresh_migrated_database, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [ENRICH_LOCK_KEY])
        with pytest.raises(EnrichBusy, match="another `pantau enrich` is running"):
            enrich_stored(fresh_migrated_database, EnrichOptions())


def test_purge_raw_removes_markup_of_old_posts_and_keeps_platform_facts(
        fresh_migrated_database: str, tmp_path: Path) -> None:
    database = fresh_migrated_database
    now = datetime.now(UTC)
    old = make_post(1, seen_at=now - timedelta(days=40),
                    raw={"html": "<p>x</p>", "author_url": "http://x/u/1", "forwarded_from": "k"})
    older = make_post(2, seen_at=now - timedelta(days=400), raw={"html": "<p>y</p>"})
    recent = make_post(3, seen_at=now - timedelta(days=2), raw={"html": "<p>z</p>"})
    store(database, [old, older, recent], {})
    env = cli_env(database, tmp_path / "none.yaml")
    result = run_cli(env, "purge-raw", "--days", "30")
    assert result.returncode == 0, result.stderr
    assert "raw markup removed from 2 posts" in result.stdout
    with psycopg.connect(database) as conn:
        raw = dict(conn.execute("SELECT uid, raw FROM posts").fetchall())
    assert raw == {old.uid: {"forwarded_from": "k"}, older.uid: None,
                   recent.uid: {"html": "<p>z</p>"}}


def test_cli_mistakes_are_one_line_with_a_hint(fresh_migrated_database: str,
                                               tmp_path: Path) -> None:
    env = cli_env(fresh_migrated_database, tmp_path / "none.yaml")
    env.pop("PANTAU_CONFIG")
    bad_since = run_cli(env, "enrich", "--since", "last tuesday")
    assert bad_since.returncode == 2
    assert "--since 'last tuesday' is neither a date nor an age" in bad_since.stderr
    assert "Traceback" not in bad_since.stderr
    bad_region = run_cli(env, "enrich", "--region", "kalteng")
    assert bad_region.returncode == 2 and "is not a Kemendagri code" in bad_region.stderr
    ok = run_cli(env, "enrich", "--since", "7d")
    assert ok.returncode == 0, ok.stderr
    assert "no PANTAU_CONFIG: posts were enriched without watchlists" in ok.stdout
