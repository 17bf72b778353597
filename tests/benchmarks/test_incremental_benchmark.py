"""Incremental re-crawl: requests of a full crawl vs a re-crawl of the unchanged forum.

Run: .venv/bin/python -m pytest -m benchmark tests/benchmarks/test_incremental_benchmark.py -s
Size: PANTAU_BENCH_INCR_SCALE (default 4: the demo forum with 4x its threads). Target: the
re-crawl requests <= 5% of the full crawl's; after 5 new replies and one edit, exactly those
are stored (5 rows, 1 version). Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demosite import DemoForumServer, build_forum
from tests.test_incremental import Crawler
from tests.workers import worker_env

SCALE = int(os.environ.get("PANTAU_BENCH_INCR_SCALE", "4"))

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(3600)]


@pytest.fixture
def server() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=62, scale=SCALE)) as site:
        yield site


def test_recrawl_requests_vs_full_crawl(server: DemoForumServer, fresh_migrated_database: str,
                                        redis_url: str, tmp_path: Path) -> None:
    env = worker_env(fresh_migrated_database, redis_url, tmp_path)
    crawler = Crawler(server, fresh_migrated_database, redis_url, env)
    rows: list[tuple[str, int, int, float]] = []

    def measured(label: str, deep: bool = False) -> dict[str, object]:
        started = time.monotonic()
        stats = crawler.crawl(deep=deep)
        fetched = stats["fetched"]
        assert isinstance(fetched, list)
        rows.append((label, len(fetched), int(stats.get("items", 0) or 0),
                     time.monotonic() - started))
        return stats

    full = measured("full crawl")
    assert crawler.stored() == crawler.truth()
    measured("re-crawl, unchanged")
    forum = server.forum
    threads = sorted(forum.threads.values(), key=lambda t: t.thread_id)
    for thread in threads[::max(1, len(threads) // 5)][:5]:
        forum.add_post(thread.thread_id, f"Balasan baru untuk topik {thread.thread_id}")
    edited = threads[0].posts[-2]
    forum.edit_post(edited.post_id, "Isi yang diubah setelah balasan baru")
    posts_before, versions_before = crawler.counts()
    after = measured("re-crawl, 5 replies + 1 edit")
    posts_after, versions_after = crawler.counts()
    measured("deep re-crawl", deep=True)
    print(f"\nforum: scale {SCALE}, {len(forum.threads)} threads, "
          f"{sum(len(t.posts) for t in forum.threads.values())} posts")
    print(f"{'crawl':32} {'requests':>9} {'posts seen':>11} {'seconds':>8} {'vs full':>8}")
    for label, requests, items, seconds in rows:
        print(f"{label:32} {requests:9d} {items:11d} {seconds:8.1f} "
              f"{requests / rows[0][1]:8.3f}")
    print(f"stored after the replies: +{posts_after - posts_before} posts, "
          f"+{versions_after - versions_before} versions; new {after['posts_new']}, "
          f"edited {after['posts_edited']}")
    assert rows[1][1] / rows[0][1] <= 0.05
    assert (posts_after - posts_before, versions_after - versions_before) == (5, 1)
    assert crawler.stored() == crawler.truth()
    assert full["items"] == sum(len(t.posts) for t in forum.threads.values()) - 5
