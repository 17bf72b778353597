"""PostWriter throughput against a raw binary COPY of the same rows into the same table.

Run: .venv/bin/python -m pytest -m benchmark tests/benchmarks/test_writer_benchmark.py -s
Size: PANTAU_BENCH_ROWS (default 100000). Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from crawler.items import Post
from crawler.storage.db import connect
from crawler.storage.migrate import upgrade
from crawler.storage.runs import RunStore
from crawler.storage.writer import PostWriter
from crawler.storage.writer_sql import POST_COLUMN_TYPES, POST_FIELDS, post_row
from tests.factories import make_post

ROWS = int(os.environ.get("PANTAU_BENCH_ROWS", "100000"))
BATCH = int(os.environ.get("PANTAU_BENCH_BATCH", "1000"))
RUNS = 3

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]

# The same columns the writer fills, straight into posts: seen_at feeds both timestamps.
RAW_COLUMNS = [n for n in POST_FIELDS if n != "seen_at"] + ["first_seen_at", "last_seen_at"]
RAW_TYPES = [t for n, t in POST_COLUMN_TYPES.items() if n != "seen_at"] + ["timestamptz"] * 2
SEEN_AT = POST_FIELDS.index("seen_at")


def reset(conn: psycopg.Connection[Any]) -> None:
    conn.execute("TRUNCATE posts, post_versions, threads")
    conn.commit()
    conn.execute("CHECKPOINT")


def raw_copy(conn: psycopg.Connection[Any], posts: list[Post]) -> None:
    """The floor: one binary COPY of every row into posts, one transaction."""
    columns = psycopg.sql.SQL(", ").join(map(psycopg.sql.Identifier, RAW_COLUMNS))
    query = psycopg.sql.SQL("COPY posts ({}) FROM STDIN (FORMAT BINARY)").format(columns)
    with conn.transaction(), conn.cursor().copy(query) as copy:
        copy.set_types(RAW_TYPES)
        for post in posts:
            row = post_row(post)
            seen = row[SEEN_AT]
            copy.write_row((*row[:SEEN_AT], *row[SEEN_AT + 1 :], seen, seen))


def through_writer(conn: psycopg.Connection[Any], posts: list[Post]) -> None:
    writer = PostWriter(conn)
    for start in range(0, len(posts), BATCH):
        writer.write(posts[start : start + BATCH])


def timed(fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def test_writer_vs_raw_copy(make_database: Callable[[], str]) -> None:
    url = make_database()
    upgrade(url)
    with connect(url) as conn:
        run_id = RunStore(conn).create("bench", "62")
        build = time.perf_counter()
        posts = [make_post(i, threads=400, crawl_run=run_id) for i in range(ROWS)]
        print(f"\nbuilt {ROWS} posts in {time.perf_counter() - build:.1f}s; batch {BATCH}")
        first_seen = posts[0].seen_at
        results: dict[str, list[float]] = {"copy": [], "insert": [], "rewrite": []}
        for run in range(RUNS):
            for post in posts:
                post.seen_at = first_seen
            reset(conn)
            results["copy"].append(timed(lambda: raw_copy(conn, posts)))
            reset(conn)
            results["insert"].append(timed(lambda: through_writer(conn, posts)))
            for post in posts:
                post.seen_at = first_seen + timedelta(days=1)
            results["rewrite"].append(timed(lambda: through_writer(conn, posts)))
            size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('posts'))")
            print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in results.items())
                  + f"; posts table {size.fetchone()[0]}")  # type: ignore[index]  # fmt: skip
        count = conn.execute("SELECT count(*), max(version) FROM posts").fetchone()
        assert count == (ROWS, 1)

    rate = {k: ROWS / statistics.median(v) for k, v in results.items()}
    print(f"\n{'pass':<34}{'PostWriter':>14}{'raw COPY':>14}{'ratio':>8}")
    print(f"{'first insert (posts/s)':<34}{rate['insert']:>14,.0f}{rate['copy']:>14,.0f}"
          f"{rate['insert'] / rate['copy']:>8.2f}")  # fmt: skip
    print(f"{'re-write, all conflict (posts/s)':<34}{rate['rewrite']:>14,.0f}{'':>14}"
          f"{rate['rewrite'] / rate['copy']:>8.2f}")  # fmt: skip
    print(f"median of {RUNS} runs, {ROWS} rows; ratio = PostWriter / raw COPY first insert")
