"""Metrics and alerts at scale: scrape time, the totals trigger's cost, the alert check.

Run: .venv/bin/python -m pytest -m benchmark tests/benchmarks/test_metrics_benchmark.py -s
Size: PANTAU_BENCH_SOURCES (default 200) sources x PANTAU_BENCH_RUNS (default 500) ended
runs each, and PANTAU_BENCH_POSTS (default 500000) posts, 2% of them flagged, over 8 days.
Targets: a scrape well under a second (Prometheus' default timeout is 10 s) whatever the
history; the trigger adds under a millisecond to a run's end; an alert check under a few
seconds. Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import psycopg
import pytest
from prometheus_client import generate_latest

from crawler.alerts.config import AlertConfig
from crawler.alerts.rules import failed_runs, silent_break, watchlist_spike
from crawler.config.settings import Settings
from crawler.metrics import build_registry
from crawler.metrics.collector import ALERTS, OPEN_RUNS, OPEN_SHARDS
from crawler.storage.db import connect
from crawler.storage.runs import RunStore

SOURCES = int(os.environ.get("PANTAU_BENCH_SOURCES", "200"))
RUNS = int(os.environ.get("PANTAU_BENCH_RUNS", "500"))
POSTS = int(os.environ.get("PANTAU_BENCH_POSTS", "500000"))

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]

HISTORY = """
INSERT INTO crawl_runs (source, region, status, deep, pages, items, errors, posts_new,
                        started_at, finished_at, error_reasons)
SELECT 'source-' || s, CASE WHEN s %% 2 = 0 THEN '62' ELSE '62.71' END,
       (ARRAY['succeeded', 'succeeded', 'succeeded', 'failed'])[1 + (r %% 4)], r %% 7 = 0,
       20 + r %% 30, 200 + r %% 300, r %% 3, r %% 50,
       now() - make_interval(hours => %(runs)s - r) - interval '10 minutes',
       now() - make_interval(hours => %(runs)s - r),
       CASE WHEN r %% 3 = 0 THEN '[]'::jsonb
            ELSE '[{"kind": "http", "url": "u", "message": "HTTP 503"}]'::jsonb END
FROM generate_series(1, %(sources)s) AS s, generate_series(1, %(runs)s) AS r
"""

FLAGGED_POSTS = """
INSERT INTO posts (uid, platform, site, source, url, native_id, kind, published_via,
                   published_at, first_seen_at, last_seen_at, body_text, content_hash,
                   extractor_version, region_codes, watchlist_flags)
SELECT md5(i::text), 'phpbb', 'http://s/', 'source-' || (i %% 200), 'http://s/' || i, i::text,
       'post', 'page', now() - make_interval(secs => (i::bigint * 7919) %% (8 * 86400)),
       now() - interval '1 hour', now(), 'teks', md5(i::text), 1,
       ARRAY[CASE WHEN i %% 2 = 0 THEN '62' ELSE '62.71' END],
       CASE WHEN i %% 50 = 0 THEN ARRAY[(ARRAY['hoaks', 'banjir', 'money politics'])[1 + i %% 3]]
            ELSE '{}'::text[] END
FROM generate_series(1, %(posts)s) AS i
"""


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and maximum seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


def test_scrape_trigger_and_check_at_scale(fresh_migrated_database: str, redis_url: str) -> None:
    url = fresh_migrated_database
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(HISTORY, {"sources": SOURCES, "runs": RUNS})
        insert_s = time.perf_counter() - started
        rows = SOURCES * RUNS
        print(f"\n{rows} ended runs inserted through the trigger in {insert_s:.1f} s "
              f"({insert_s / rows * 1e6:.0f} µs per run)")
        conn.execute(FLAGGED_POSTS, {"posts": POSTS})
        conn.execute("ANALYZE")
        registry = build_registry(url, redis_url, ["crawl.62", "crawl.62.71"])
        median, _ = timed(lambda: generate_latest(registry), 5)
        print(f"scrape right after the bulk load ({RUNS} updates of each totals row not yet "
              f"vacuumed): median {median * 1000:.1f} ms")
        conn.execute("VACUUM ANALYZE crawl_totals")  # what autovacuum does in steady state

    registry = build_registry(url, redis_url, ["crawl.62", "crawl.62.71"])
    body = generate_latest(registry)
    median, worst = timed(lambda: generate_latest(registry), 20)
    print(f"scrape: {SOURCES} sources, {len(body.splitlines())} lines, {len(body)} bytes: "
          f"median {median * 1000:.1f} ms, max {worst * 1000:.1f} ms")
    with psycopg.connect(url) as conn:
        queries, _ = timed(lambda: [conn.execute(q).fetchall() for q in (
            "SELECT * FROM crawl_totals ORDER BY source, region", OPEN_RUNS, OPEN_SHARDS,
            ALERTS)], 20)
        naive, _ = timed(lambda: conn.execute(
            "SELECT source, region, sum(pages), sum(items), sum(posts_new), count(*)"
            " FROM crawl_runs GROUP BY 1, 2").fetchall(), 5)
    print(f"of which the scrape's queries: median {queries * 1000:.1f} ms; summing "
          f"crawl_runs instead would take {naive * 1000:.1f} ms, growing with the history")

    config = AlertConfig(Settings())
    with psycopg.connect(url) as conn:
        for name, rule in (("failed_runs", lambda: failed_runs(conn, config)),
                           ("silent_break", lambda: silent_break(conn, config)),
                           ("watchlist_spike", lambda: watchlist_spike(conn, config))):
            median, worst = timed(rule, 5)
            print(f"rule {name}: median {median * 1000:.1f} ms, max {worst * 1000:.1f} ms")

    with connect(url) as conn:
        store = RunStore(conn)
        ids = [store.create("bench-finish", "62") for _ in range(1000)]

        def finish(batch: list[int], trigger: bool) -> float:
            conn.execute("ALTER TABLE crawl_runs " + ("ENABLE" if trigger else "DISABLE") +
                         " TRIGGER crawl_runs_totals_update")
            conn.commit()
            started = time.perf_counter()
            for run in batch:
                store.progress(run, 10, 100, 0)
                store.finish(run, "succeeded", counts={"pages": 12, "items": 120},
                             stats={"errors_by_kind": {}})
            return time.perf_counter() - started

        spent = {True: 0.0, False: 0.0}
        for i in range(0, len(ids), 100):  # alternate, so load changes hit both alike
            spent[(i // 100) % 2 == 0] += finish(ids[i:i + 100], trigger=(i // 100) % 2 == 0)
        with_trigger, without = spent[True] / 500, spent[False] / 500
    print(f"progress + finish of one run: {without * 1000:.2f} ms without the trigger, "
          f"{with_trigger * 1000:.2f} ms with it")
    assert with_trigger - without < 0.005
