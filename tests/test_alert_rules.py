"""The alert rules on constructed data: each fires when it should and stays quiet otherwise."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from crawler.alerts.config import AlertConfig
from crawler.alerts.rules import evaluate, failed_runs, silent_break, watchlist_spike
from crawler.config.alerts import RegionAlerts
from crawler.config.settings import Settings
from crawler.storage.writer import PostWriter
from tests.alerting import NOW, clean, insert_run
from tests.factories import make_post

POST_IDS = itertools.count(1)


@pytest.fixture
def conn(database: str) -> Iterator[psycopg.Connection[Any]]:
    clean(database)
    with psycopg.connect(database, autocommit=True) as conn:
        yield conn
    clean(database)


def config(regions: dict[str, RegionAlerts] | None = None, **settings: Any) -> AlertConfig:
    return AlertConfig(Settings(**settings), regions)


def runs(conn: psycopg.Connection[Any], source: str, statuses: str, start: datetime = NOW,
         **kwargs: Any) -> None:
    """One run per letter, oldest first: s(ucceeded), f(ailed), t(imeout), r(evoked)."""
    names = {"s": "succeeded", "f": "failed", "t": "timeout", "r": "revoked"}
    for i, letter in enumerate(statuses):
        insert_run(conn, source, names[letter], finished_at=start + timedelta(minutes=i),
                   reason=f"{names[letter]} #{i}", **kwargs)


def test_failed_runs_fires_after_n_in_a_row(conn: psycopg.Connection[Any]) -> None:
    runs(conn, "three-failed", "sftf")
    runs(conn, "two-failed", "sff")
    runs(conn, "recovered", "fffs")
    runs(conn, "revoked-between", "sfrff")
    runs(conn, "abandoned", "fff", start=NOW - timedelta(days=8))  # removed from the file
    alerts = failed_runs(conn, config(), NOW)
    assert [(a.subject, a.details["consecutive_failures"]) for a in alerts] == [
        ("revoked-between", 3), ("three-failed", 3)]
    first = alerts[1]
    assert (first.rule, first.region, first.details["threshold"]) == ("failed_runs", "62", 3)
    assert first.message == ("pantau: source three-failed (region 62) failed 3 runs in a "
                             "row; last: run 4 failed: failed #3")


def test_failed_runs_threshold_per_region(conn: psycopg.Connection[Any]) -> None:
    runs(conn, "city-source", "ff", region="62.71")
    runs(conn, "other-province", "ff", region="63")
    regions = {"62": RegionAlerts(failed_runs=2)}  # 62.71 inherits its province's block
    assert [a.subject for a in failed_runs(conn, config(regions), NOW)] == ["city-source"]
    assert [a.subject for a in failed_runs(conn, config(regions, alert_failed_runs=2), NOW)
            ] == ["city-source", "other-province"]


def yields(conn: psycopg.Connection[Any], source: str, per_page: list[float], *,
           deep: bool = True, pages: int = 20, start: datetime = NOW) -> None:
    """Succeeded runs, oldest first, with these posts per page."""
    for i, y in enumerate(per_page):
        insert_run(conn, source, "succeeded", pages=pages, items=round(y * pages), deep=deep,
                   finished_at=start + timedelta(hours=i))


def test_silent_break_fires_when_recent_runs_yield_far_below_the_median(
        conn: psycopg.Connection[Any]) -> None:
    yields(conn, "broken", [10, 9, 11, 10, 12, 10, 2, 2.5, 1])
    yields(conn, "one-bad-run", [10, 9, 11, 10, 12, 10, 10, 10, 1])
    yields(conn, "too-new", [10, 10, 10, 10, 2, 2, 2])  # 4 earlier runs < 5 needed
    yields(conn, "mild-drop", [10, 10, 10, 10, 10, 10, 6, 6, 6])  # 60% of the median
    yields(conn, "abandoned", [10] * 6 + [1] * 3, start=NOW - timedelta(days=9))
    alerts = silent_break(conn, config(), NOW)
    assert [a.subject for a in alerts] == ["broken"]
    assert alerts[0].details == {"kind": "deep", "recent_runs": [9, 8, 7],
                                 "recent_yields": [1.0, 2.5, 2.0], "median": 10.0,
                                 "history_runs": 6, "ratio": 0.5}
    assert alerts[0].message.startswith(
        "pantau: source broken (region 62) may have broken silently: its last 3 deep runs "
        "yielded 1.00, 2.50, 2.00 posts per page, below 50% of its median 10.00 over 6 "
        "earlier runs.")


def test_silent_break_compares_like_with_like_and_ignores_tiny_runs(
        conn: psycopg.Connection[Any]) -> None:
    yields(conn, "mixed", [10] * 6, deep=True)
    yields(conn, "mixed", [1.5] * 6, deep=False)  # incremental runs: lists, few posts
    yields(conn, "tiny", [10] * 6)
    yields(conn, "tiny", [0.5] * 3, pages=3)  # below PANTAU_ALERT_SILENT_MIN_PAGES
    assert silent_break(conn, config(), NOW) == []
    yields(conn, "mixed", [0.2] * 3, deep=False)
    alerts = silent_break(conn, config(), NOW)
    assert [(a.subject, a.details["kind"], a.details["median"]) for a in alerts] == [
        ("mixed", "incremental", 1.5)]


def flagged(conn: psycopg.Connection[Any], term: str, hours_before_now: float, n: int,
            regions: list[str] | None = None, published: bool = True) -> None:
    """``n`` posts flagged with ``term``, published that many hours before NOW."""
    at = NOW - timedelta(hours=hours_before_now)
    posts = [make_post(next(POST_IDS), watchlist_flags=[term], region_codes=regions or ["62"],
                       published_at=at if published else None,
                       published_via="page" if published else "first_seen", seen_at=at)
             for _ in range(n)]
    PostWriter(conn).write(posts)


def test_watchlist_spike_against_the_trailing_baseline(conn: psycopg.Connection[Any]) -> None:
    for hour in range(2, 26):  # the 24 hours before the last full hour (11:00-12:00)
        flagged(conn, "hoaks", hour - 0.5, 1)
        flagged(conn, "banjir", hour - 0.5, 4 if hour % 2 else 0)
    flagged(conn, "hoaks", 0.5, 5)
    flagged(conn, "hoaks", 0.75, 1, published=False)  # no date on the page: first seen
    flagged(conn, "banjir", 0.5, 6)  # mean 2 + 3 x 2 = 8: not a spike
    flagged(conn, "pilkada", 0.5, 4)  # below the minimum count
    flagged(conn, "hoaks", 0.25, 7, regions=["63"])  # another region: its own baseline
    flagged(conn, "hoaks", 30, 50)  # before the baseline window
    flagged(conn, "hoaks", -0.5, 50)  # the current, unfinished hour
    alerts = watchlist_spike(conn, config(alert_spike_hours=24), now=NOW + timedelta(minutes=20))
    assert [(a.subject, a.region, a.details["count"]) for a in alerts] == [
        ("62:hoaks", "62", 6), ("63:hoaks", "63", 7)]
    assert alerts[0].details == {"term": "hoaks", "hour": "2026-11-30T11:00:00+00:00",
                                 "count": 6, "baseline_mean": 1.0, "baseline_stddev": 0.0,
                                 "threshold": 1.0, "baseline_hours": 24}
    assert alerts[0].message == (
        "pantau: watchlist term 'hoaks' in region 62: 6 posts in the hour from "
        "2026-11-30 11:00 UTC, baseline 1.0 ± 0.0 per hour over 24 hours (alert above 1.0).")
    stricter = config({"63": RegionAlerts(spike_min_count=8)}, alert_spike_hours=24)
    assert [a.subject for a in watchlist_spike(conn, stricter, NOW)] == ["62:hoaks"]


def test_nothing_fires_on_a_quiet_history(conn: psycopg.Connection[Any]) -> None:
    runs(conn, "steady", "sfsfs")
    yields(conn, "steady-yield", [10] * 9)
    for hour in range(2, 10):
        flagged(conn, "hoaks", hour - 0.5, 2)
    flagged(conn, "hoaks", 0.5, 2)
    assert evaluate(conn, config(alert_spike_hours=24), NOW) == []
