"""`pantau report --format json`: every figure equals what independent SQL and the test's
own reading of the inserted posts give (tests/reportdata.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler.report import ReportWindow, build_report
from tests.reportdata import END, EVENT, EVENT_START, SOURCES, START, in_window, seed_database

REGION_SOURCES = [name for name, spec in SOURCES.items() if spec[0].startswith("62")]


@pytest.fixture(scope="module")
def seeded(database: str) -> tuple[str, list[dict[str, Any]]]:
    return database, seed_database(database)


def pantau(*args: str, database: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env["PANTAU_DATABASE_URL"] = database
    return subprocess.run([sys.executable, "-m", "crawler", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def figures(seeded: tuple[str, list[dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, Any]:
    database, _ = seeded
    out = tmp_path_factory.mktemp("report") / "report.json"
    result = pantau("report", "--region", "62", "--event", "2019-04-17", "--before", "14d",
                    "--after", "14d", "--format", "json", "-o", str(out), database=database)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().startswith(f"laporan ditulis ke {out}")
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def sql(database: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(database) as conn:
        return conn.execute(query, params).fetchall()


# The region's posts and their time, written without the report's code: fixed UTC bounds.
REGION_POSTS = """
    SELECT *, coalesce(published_at, first_seen_at) AS t FROM posts
    WHERE ('62' = ANY(region_codes) OR source = ANY(%s))
      AND coalesce(published_at, first_seen_at) >= '2019-04-02 17:00+00'
      AND coalesce(published_at, first_seen_at) < '2019-04-30 17:00+00'"""
AFTER = "t >= '2019-04-16 17:00+00'"


def test_window_and_zone(figures: dict[str, Any]) -> None:
    report = figures["report"]
    assert (report["region_name"], report["timezone"], report["zone"]) == (
        "Kalimantan Tengah", "Asia/Jakarta", "WIB")
    assert report["before"] == {"start": "2019-04-03T00:00:00+07:00",
                                "end": "2019-04-17T00:00:00+07:00", "days": 14.0}
    assert report["after"]["end"] == "2019-05-01T00:00:00+07:00"


def test_comparison_matches_sql_and_the_inserted_posts(
        seeded: tuple[str, list[dict[str, Any]]], figures: dict[str, Any]) -> None:
    database, posts = seeded
    row = sql(database, f"""
        SELECT count(*) FILTER (WHERE NOT {AFTER}), count(*) FILTER (WHERE {AFTER}),
               count(DISTINCT author_key) FILTER (WHERE NOT {AFTER}),
               count(DISTINCT author_key) FILTER (WHERE {AFTER}),
               count(*) FILTER (WHERE NOT {AFTER} AND cardinality(watchlist_flags) > 0),
               count(*) FILTER (WHERE {AFTER} AND cardinality(watchlist_flags) > 0)
        FROM ({REGION_POSTS}) x""", REGION_SOURCES)[0]
    comparison = figures["comparison"]
    got = tuple(comparison[m][k] for m in ("posts", "authors", "flagged_posts")
                for k in ("before", "after"))
    assert got == row
    window = [p for p in posts if in_window(p)]
    before = [p for p in window if p["at"] < EVENT_START]
    after = [p for p in window if p["at"] >= EVENT_START]
    assert comparison["posts"]["before"] == len(before)
    assert comparison["posts"]["after"] == len(after)
    assert comparison["authors"]["after"] == len({p["author_key"] for p in after} - {None})
    # the boundary posts: the last second before the event and its first second
    assert any(p["at"] == EVENT_START - timedelta(seconds=1) for p in before)
    assert any(p["at"] == EVENT_START for p in after)
    posts_change = (len(after) - len(before)) / len(before) * 100
    assert comparison["posts"]["change_pct"] == round(posts_change, 1)
    assert comparison["posts"]["before_per_day"] == round(len(before) / 14, 2)


def test_daily_volume_by_platform_and_source(
        seeded: tuple[str, list[dict[str, Any]]], figures: dict[str, Any]) -> None:
    database, _ = seeded
    for column, key in (("platform", "by_platform"), ("source", "by_source")):
        expected = sql(database, f"""
            SELECT to_char(t + interval '7 hours', 'YYYY-MM-DD'), {column}, count(*)
            FROM ({REGION_POSTS}) x GROUP BY 1, 2 ORDER BY 1, 2""",
                       REGION_SOURCES)
        got = [(d["day"], d[column], d["posts"]) for d in figures["daily_volume"][key]]
        assert got == [tuple(r) for r in expected]
    days = {d["day"] for d in figures["daily_volume"]["by_platform"]}
    assert min(days) == "2019-04-03" and max(days) == "2019-04-30"


def test_watchlist_hits_over_time_and_flags(
        seeded: tuple[str, list[dict[str, Any]]], figures: dict[str, Any]) -> None:
    database, posts = seeded
    expected = sql(database, f"""
        SELECT to_char(t + interval '7 hours', 'YYYY-MM-DD'), f, count(*)
        FROM ({REGION_POSTS}) x, unnest(watchlist_flags) f
        GROUP BY 1, 2 ORDER BY 1, 2""", REGION_SOURCES)
    got = [(d["day"], d["flag"], d["posts"]) for d in figures["watchlist"]["daily"]]
    assert got == [tuple(r) for r in expected]
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    for post in filter(in_window, posts):
        (after if post["at"] >= EVENT_START else before).update(post["watchlist_flags"])
    flags = {f["flag"]: (f["posts_before"], f["posts_after"])
             for f in figures["watchlist"]["flags"]}
    assert flags == {f: (before[f], after[f]) for f in before | after}


def test_top_flagged_posts_ranked_and_pseudonymized(
        seeded: tuple[str, list[dict[str, Any]]], figures: dict[str, Any]) -> None:
    _, posts = seeded
    flagged = [p for p in posts if in_window(p) and p["watchlist_flags"]]
    sizes = {1: 4, 2: 2}
    flagged.sort(key=lambda p: p["uid"])
    flagged.sort(key=lambda p: p["at"], reverse=True)
    flagged.sort(key=lambda p: (-len(p["watchlist_flags"]),
                                -sizes.get(p.get("cluster_id") or 0, -1)))
    top = figures["watchlist"]["top_flagged_posts"]
    assert [p["uid"] for p in top] == [p["uid"] for p in flagged[:15]]
    by_uid = {p["uid"]: p for p in posts}
    for shown in top:
        stored = by_uid[shown["uid"]]
        key = stored["author_key"]
        assert shown["author"] == (f"anon-{key[:8]}" if key else None)
        assert shown["flags"] == stored["watchlist_flags"]
    text = json.dumps(figures)
    assert not any(p["author_key"] and p["author_key"] in text for p in posts)


def test_top_threads(seeded: tuple[str, list[dict[str, Any]]],
                     figures: dict[str, Any]) -> None:
    database, _ = seeded
    expected = sql(database, f"""
        SELECT site, thread_native_id, count(*), count(*) FILTER (WHERE NOT {AFTER}),
               count(*) FILTER (WHERE {AFTER}), count(DISTINCT author_key),
               count(*) FILTER (WHERE watchlist_flags <> '{{}}')
        FROM ({REGION_POSTS}) x GROUP BY 1, 2
        ORDER BY 3 DESC, max(t) DESC, 1, 2 LIMIT 10""", REGION_SOURCES)
    got = [(t["site"], t["thread_native_id"], t["posts"], t["posts_before"],
            t["posts_after"], t["authors"], t["flagged_posts"]) for t in figures["top_threads"]]
    assert got == [tuple(r) for r in expected]


def test_top_terms_without_stopwords(seeded: tuple[str, list[dict[str, Any]]],
                                     figures: dict[str, Any]) -> None:
    _, posts = seeded
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    for post in filter(in_window, posts):
        (after if post["at"] >= EVENT_START else before).update(post["words"])
    total = before + after
    ranked = sorted(total, key=lambda w: (-total[w], w))[:25]
    assert [(t["term"], t["posts_before"], t["posts_after"]) for t in figures["top_terms"]] \
        == [(w, before[w], after[w]) for w in ranked]
    assert not {"yang", "dan", "gak", "aja", "untuk"} & {t["term"] for t in figures["top_terms"]}


def test_breakdown_by_regency_and_city(seeded: tuple[str, list[dict[str, Any]]],
                                       figures: dict[str, Any]) -> None:
    _, posts = seeded
    counts: dict[str, list[int]] = {}
    unnamed = [0, 0]
    for post in filter(in_window, posts):
        after = int(post["at"] >= EVENT_START)
        children = [c for c in post["region_codes"] if c.startswith("62.")]
        for code in children:
            counts.setdefault(code, [0, 0])[after] += 1
        if not children:
            unnamed[after] += 1
    areas = {a["code"]: (a["name"], a["posts_before"], a["posts_after"])
             for a in figures["areas"]}
    assert areas == {
        "62.02": ("Kabupaten Kotawaringin Timur", *counts["62.02"]),
        "62.71": ("Kota Palangkaraya", *counts["62.71"]),
    }
    assert (figures["area_unnamed"]["posts_before"],
            figures["area_unnamed"]["posts_after"]) == tuple(unnamed)


def test_a_wita_region_counts_days_in_its_own_zone(
        seeded: tuple[str, list[dict[str, Any]]]) -> None:
    database, posts = seeded
    window = ReportWindow("63", "Kalimantan Selatan", "Asia/Makassar", EVENT,
                          timedelta(days=14), timedelta(days=14))
    with psycopg.connect(database) as conn:
        report = build_report(conn, window).to_dict()
    assert report["report"]["zone"] == "WITA"
    wita_event = datetime(2019, 4, 16, 16, tzinfo=UTC)
    mine = [p for p in posts if p["source"] == "forum-kalsel"
            and wita_event - timedelta(days=14) <= p["at"] < wita_event + timedelta(days=14)]
    assert report["comparison"]["posts"]["after"] == sum(p["at"] >= wita_event for p in mine)
    # 2019-04-16 16:30Z is 00:30 WITA on the event day, but 23:30 WIB the day before
    late = next(p for p in posts if p["at"] == datetime(2019, 4, 16, 16, 30, tzinfo=UTC))
    assert late["source"] == "forum-kalsel" and "62" in late["region_codes"]
    days = {(d["day"], d["source"]): d["posts"] for d in report["daily_volume"]["by_source"]}
    assert days[("2019-04-17", "forum-kalsel")] == sum(
        1 for p in mine if (p["at"] + timedelta(hours=8)).date().isoformat() == "2019-04-17")


def test_one_source_and_unequal_periods(seeded: tuple[str, list[dict[str, Any]]]) -> None:
    database, posts = seeded
    window = ReportWindow("62", "Kalimantan Tengah", "Asia/Jakarta", EVENT,
                          timedelta(days=7), timedelta(days=14), sources=("forum-palangka",))
    with psycopg.connect(database) as conn:
        report = build_report(conn, window)
    mine = [p for p in posts if p["source"] == "forum-palangka"
            and EVENT_START - timedelta(days=7) <= p["at"] < END]
    before = sum(p["at"] < EVENT_START for p in mine)
    after = len(mine) - before
    posts_metric = report.metric("posts")
    assert (posts_metric.before, posts_metric.after) == (before, after)
    assert posts_metric.change_pct == round((after / 14 - before / 7) / (before / 7) * 100, 1)
    assert report.notes == ["unequal_periods"]
    assert {d.key for d in report.daily_by_source} == {"forum-palangka"}
    assert window.start > START


def test_report_html_is_self_contained_in_both_languages(
        seeded: tuple[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    from crawler.report import render_html

    database, _ = seeded
    window = ReportWindow("62", "Kalimantan Tengah", "Asia/Jakarta", EVENT,
                          timedelta(days=14), timedelta(days=14))
    with psycopg.connect(database) as conn:
        report = build_report(conn, window)
    pages = {lang: render_html(report, lang) for lang in ("id", "en")}
    assert "Laporan sebelum dan sesudah peristiwa" in pages["id"]
    assert "Before and after report" in pages["en"]
    assert "17 Apr 2019 00:00 WIB" in pages["en"]
    for page in pages.values():
        assert "<script" not in page and "<link" not in page and " src=" not in page
        assert page.count('class="chart"') == 6
