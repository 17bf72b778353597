"""Exports of a million posts (peak RSS, rows/s per format) and the analyst queries at that
size: the report, the daily-volume view, full-text search, migration 0006 on a full table.

Run: .venv/bin/python -m pytest -m benchmark tests/benchmarks/test_export_benchmark.py -s
Size: PANTAU_BENCH_POSTS (default 1000000). Results are recorded in docs/benchmarks.md.

The posts are generated in SQL (three years, 2017-2019, 20 sources in four regions, forum-
sized Indonesian-ish bodies of 25-60 words from 66 words, so every word is common; one post
in 1,000 adds a rare one), inserted at migration 0005, then 0006 is run
on the full table (its GIN and btree indexes are built once, as in an upgrade).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler.storage.migrate import upgrade

POSTS = int(os.environ.get("PANTAU_BENCH_POSTS", "1000000"))
pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(7200)]

WORDS = [
    "pilkada", "calon", "gubernur", "warga", "kalteng", "palangka", "raya", "sampit",
    "kotawaringin", "bupati", "kampanye", "debat", "suara", "tps", "kpu", "bawaslu", "relawan",
    "spanduk", "baliho", "jalan", "rusak", "banjir", "harga", "sembako", "janji", "program",
    "bantuan", "sosial", "desa", "kecamatan", "kabupaten", "pemilih", "saksi", "hoaks",
    "berita", "netral", "politik", "uang", "tolong", "cek", "fakta", "mohon", "maaf", "kawan",
    "semua", "yang", "dan", "di", "ini", "itu", "gak", "aja", "sudah", "belum", "nanti",
    "besok", "kemarin", "pagi", "malam", "dukung", "pilih", "nomor", "urut", "pasangan",
    "koalisi", "partai",
]

SOURCES = """
INSERT INTO sources (name, kind, engine, url, site, region, config)
SELECT 'source-' || s, 'forum', 'phpbb', 'http://127.0.0.1:1/' || s, 'http://127.0.0.1:1/' || s,
       (ARRAY['62', '62.71', '62.02', '63'])[1 + mod(s, 4)], '{}'::jsonb
FROM generate_series(0, 19) s
"""
# Post g of POSTS: source g mod 20, thread g/20 mod 5000, time spread evenly over 3 years.
GENERATE = """
INSERT INTO posts (uid, platform, site, source, url, native_id, kind, thread_native_id,
                   thread_title, position, author_key, published_at, published_via,
                   first_seen_at, last_seen_at, body_text, region_codes, watchlist_flags,
                   metrics, content_hash, extractor_version)
SELECT 'p' || g, (ARRAY['phpbb', 'xenforo', 'news', 'telegram'])[1 + mod(g, 4)],
       'http://127.0.0.1:1/' || mod(g, 20), 'source-' || mod(g, 20),
       'http://127.0.0.1:1/' || mod(g, 20) || '/t/' || mod(g / 20, 5000) || '#p' || g,
       g::text, 'post', mod(g / 20, 5000)::text, 'Diskusi ' || mod(g / 20, 5000), mod(g, 37),
       'author' || (hashtext(g::text) & 16383),
       CASE WHEN mod(g, 10) = 0 THEN NULL ELSE t END,
       CASE WHEN mod(g, 10) = 0 THEN 'first_seen' ELSE 'page' END, t, t,
       array_to_string(ARRAY(
           SELECT (%(words)s::text[])[1 + mod(hashtext(g::text || '.' || i) & 2147483647,
                                              %(nwords)s)]
           FROM generate_series(1, 25 + mod(g, 36)) i), ' ')
         || CASE WHEN mod(g, 1000) = 0 THEN ' kerusuhan' ELSE '' END,
       CASE mod(mod(g, 20), 4) WHEN 0 THEN ARRAY['62'] WHEN 1 THEN ARRAY['62.71', '62']
            WHEN 2 THEN ARRAY['62.02', '62'] ELSE ARRAY['63'] END
         || CASE WHEN mod(g, 7) = 0 THEN ARRAY['62.03', '62'] ELSE '{}' END,
       CASE WHEN mod(g, 19) = 0 THEN ARRAY['sara:bakar'] WHEN mod(g, 23) = 0
            THEN ARRAY['hoaks:surat suara'] ELSE '{}' END,
       jsonb_build_object('likes', mod(g, 13)), md5(g::text), 1
FROM (SELECT g, timestamptz '2017-01-01 00:00+07'
                + (g::float8 / %(posts)s) * interval '1095 days' AS t
      FROM generate_series(%(first)s::bigint, %(last)s::bigint) g) x
"""


def measured(*args: str, env: dict[str, str]) -> tuple[float, int, float]:
    """Run ``pantau ARGS``; (wall seconds, peak RSS in MiB, CPU seconds) of that process."""
    started = time.perf_counter()
    with subprocess.Popen([sys.executable, "-m", "crawler", *args], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.returncode == 0, stderr
    return seconds, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def timed(conn: psycopg.Connection[Any], query: str, *params: Any) -> float:
    started = time.perf_counter()
    conn.execute(query, params).fetchall()
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def million(make_database: Callable[[], str]) -> str:
    url = make_database()
    upgrade(url, "0005")
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SOURCES)
        for first in range(0, POSTS, 100_000):
            conn.execute(GENERATE, {
                "words": WORDS, "nwords": len(WORDS), "posts": POSTS, "first": first,
                "last": min(first + 100_000, POSTS) - 1})
        print(f"\ngenerated {POSTS} posts in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        upgrade(url)
        print(f"migration 0006 on {POSTS} posts: {time.perf_counter() - started:.0f} s")
        conn.execute("VACUUM ANALYZE posts")
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('posts'))"
                            ).fetchone()
        print(f"posts with indexes: {size[0] if size else '?'}")
    return url


def test_export_streams_a_million_posts(million: str, tmp_path: Path) -> None:
    """Rows/s per format, and peak RSS at a million rows against a tenth of them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(PANTAU_DATABASE_URL=million, PANTAU_LANG="en")
    results = {}
    for fmt in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"posts.{fmt}"
        seconds, rss, cpu = measured("export", "--format", fmt, "-o", str(out), env=env)
        results[fmt] = (seconds, rss, out.stat().st_size)
        print(f"export {fmt}: {POSTS} rows in {seconds:.1f} s = {POSTS / seconds:,.0f} rows/s,"
              f" {cpu:.1f} CPU s ({POSTS / cpu:,.0f} rows per CPU s), peak RSS {rss} MiB,"
              f" file {out.stat().st_size / 2**20:,.0f} MiB")
        out.unlink()
    tenth_seconds, tenth_rss, _ = measured("export", "--format", "csv", "--until", "2017-04-20",
                                        "-o", str(tmp_path / "tenth.csv"), env=env)
    print(f"export csv of ~{POSTS // 10} rows: peak RSS {tenth_rss} MiB "
          f"({tenth_seconds:.1f} s)")
    # memory is flat: ten times the rows, not much more memory
    assert results["csv"][1] < tenth_rss * 1.5
    assert results["parquet"][1] < tenth_rss * 3


def test_analyst_queries_at_a_million(million: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(PANTAU_DATABASE_URL=million, PANTAU_LANG="en")
    seconds, rss, cpu = measured("report", "--region", "62", "--event", "2019-04-17",
                                 "--format", "json", env=env)
    print(f"pantau report (28 days of {POSTS} posts, json): {seconds:.1f} s "
          f"({cpu:.1f} CPU s, peak RSS {rss} MiB)")
    seconds, _, cpu = measured("report", "--region", "62", "--event", "2019-04-17", "--before",
                          "180d", "--after", "180d", "--format", "json", env=env)
    print(f"pantau report (360 days): {seconds:.1f} s ({cpu:.1f} CPU s)")
    with psycopg.connect(million) as conn:
        for name, query in (
            ("28-day window count (posts_at_idx)",
             "SELECT count(*) FROM posts WHERE coalesce(published_at, first_seen_at) "
             ">= '2019-04-03 00:00+07' AND coalesce(published_at, first_seen_at) "
             "< '2019-05-01 00:00+07'"),
            ("v_daily_volume, one source, all days",
             "SELECT * FROM v_daily_volume WHERE source = 'source-3'"),
            ("v_daily_volume, everything", "SELECT * FROM v_daily_volume"),
            ("full-text, a rare word (1 post in 1,000), rows",
             "SELECT uid, at, body_text FROM v_post_search WHERE document @@ "
             "websearch_to_tsquery('indonesian', 'rusuh')"),
            ("full-text, two words in ~40 % of posts each, count",
             "SELECT count(*) FROM v_post_search WHERE document @@ "
             "websearch_to_tsquery('indonesian', 'kampanye hoaks')"),
            ("the same with work_mem 64MB (no lossy bitmap)",
             "SELECT count(*) FROM v_post_search WHERE document @@ "
             "websearch_to_tsquery('indonesian', 'kampanye hoaks')"),
            ("full-text, 28 days, region 62",
             "SELECT uid FROM v_post_search WHERE document @@ "
             "websearch_to_tsquery('indonesian', 'relawan') AND region_codes @> '{62}' AND "
             "at >= '2019-04-03 00:00+07' AND at < '2019-05-01 00:00+07'"),
        ):
            if "work_mem" in name:
                conn.execute("SET work_mem = '64MB'")
            timed(conn, query)  # warm the cache once
            print(f"{name}: {timed(conn, query) * 1000:,.0f} ms")
            conn.execute("RESET work_mem")
