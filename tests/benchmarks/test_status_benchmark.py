"""`pantau status` at scale: the health and recent-runs queries over a long crawl history.

Run: .venv/bin/python -m pytest -m benchmark tests/benchmarks/test_status_benchmark.py -s
Size: PANTAU_BENCH_SOURCES (default 200) sources x PANTAU_BENCH_RUNS (default 1000) runs each,
a quarter of them failed, in regions 62 and 62.71 (crawler/storage/history.py reads
crawl_runs only). Target: the whole command well under a second to answer an operator,
whatever the history. Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from crawler.storage.history import History

SOURCES = int(os.environ.get("PANTAU_BENCH_SOURCES", "200"))
RUNS = int(os.environ.get("PANTAU_BENCH_RUNS", "1000"))

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]

HISTORY = """
INSERT INTO crawl_runs (source, region, status, pages, items, errors, posts_new, reason,
                        queued_at, started_at, finished_at)
SELECT 'source-' || s, CASE WHEN s %% 2 = 0 THEN '62' ELSE '62.71' END,
       (ARRAY['succeeded', 'succeeded', 'succeeded', 'failed'])[1 + ((r + s) %% 4)],
       20 + r %% 30, 200 + r %% 300, r %% 3, r %% 50,
       CASE WHEN (r + s) %% 4 = 3 THEN 'no posts: HTTP 503 (http://s/)' END,
       now() - make_interval(hours => %(runs)s - r) - interval '11 minutes',
       now() - make_interval(hours => %(runs)s - r) - interval '10 minutes',
       now() - make_interval(hours => %(runs)s - r)
FROM generate_series(1, %(sources)s) AS s, generate_series(1, %(runs)s) AS r
"""


def _median_ms(call: Callable[[], Any], rounds: int = 7) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def test_status_queries_over_a_long_history(fresh_migrated_database: str) -> None:
    with psycopg.connect(fresh_migrated_database) as conn:
        conn.execute(HISTORY, {"sources": SOURCES, "runs": RUNS})
        conn.execute("ANALYZE crawl_runs")
    with psycopg.connect(fresh_migrated_database) as conn:
        history = History(conn)
        health = history.health()
        assert len(health) == SOURCES
        health_ms = _median_ms(history.health)
        recent_ms = _median_ms(lambda: history.recent_runs(per_source=5))
        one_source_ms = _median_ms(lambda: history.recent_runs(per_source=5,
                                                              source="source-7"))
        region_ms = _median_ms(lambda: history.health(region="62.71"))
    env = {"PATH": "/usr/bin:/bin", "PANTAU_DATABASE_URL": fresh_migrated_database,
           "PANTAU_REDIS_URL": "redis://127.0.0.1:1/0", "COLUMNS": "200"}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "crawler", "status"], env=env,
                            capture_output=True, text=True, check=True, timeout=600)
    command_s = time.perf_counter() - started
    assert "source health" in result.stdout
    print(f"\n{SOURCES * RUNS} runs of {SOURCES} sources: health {health_ms:.0f} ms, "
          f"recent runs (5 per source) {recent_ms:.0f} ms, one source {one_source_ms:.1f} ms, "
          f"health of one region {region_ms:.0f} ms; `pantau status` end to end "
          f"{command_s:.2f} s")
