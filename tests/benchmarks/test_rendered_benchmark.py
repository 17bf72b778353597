"""Rendered pages per second: pantau's runner against a minimal Playwright script, one run.

Run:   .venv/bin/pytest -m benchmark tests/benchmarks/test_rendered_benchmark.py -s
Sizes: PANTAU_BENCH_RENDER_SCALE (forum scale, default 2: 225 rendered pages),
       PANTAU_BENCH_RENDER_ROUNDS (default 3), PANTAU_BENCH_RENDER_CONCURRENCY (pages at
       once, both sides, default 4).
The JavaScript-only forum of tests/sites/rendered.py (scroll and "Muat lagi" on every
thread page) is crawled by pantau (crawler.runner: spider process, scrapy-playwright, the
store in PostgreSQL, politeness through Redis with the test override) and rendered by
tests/benchmarks/playwright_minimal.py on exactly the pages pantau rendered, with the same
Chromium, launch options, steps and concurrency. Both include their process start and
browser launch. Rounds alternate the order. Results: docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler.config.sources import Source
from crawler.demosite import build_forum
from crawler.runner import CrawlSpec, run_crawl
from crawler.storage.runs import RunStore
from tests.chromium import chromium_path, short_tmpdir
from tests.sites.rendered import RENDER, SELECTORS, RenderedForumServer
from tests.workers import worker_env

SCALE = int(os.environ.get("PANTAU_BENCH_RENDER_SCALE", "2"))
ROUNDS = int(os.environ.get("PANTAU_BENCH_RENDER_ROUNDS", "3"))
CONCURRENCY = int(os.environ.get("PANTAU_BENCH_RENDER_CONCURRENCY", "4"))
REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.benchmark, pytest.mark.slow, pytest.mark.integration,
              pytest.mark.browser, pytest.mark.timeout(3600)]


def pantau_crawl(site: RenderedForumServer, database: str, redis_url: str, tmpdir: Path,
                 name: str) -> tuple[float, dict[str, Any], list[str]]:
    """One rendered crawl of the whole forum: wall seconds, final stats, pages rendered."""
    source = Source.model_validate({
        "name": name, "kind": "rendered", "url": site.url, "region": "62", "authors": "keep",
        "selectors": SELECTORS, "render": RENDER,
        "politeness": {"download_delay": 0, "concurrent_requests": CONCURRENCY}})
    with psycopg.connect(database) as conn:
        conn.execute("TRUNCATE posts, post_versions, threads CASCADE")
        run_id = RunStore(conn).create(name, "62")
    env = worker_env(database, redis_url, tmpdir / "state", TMPDIR=str(tmpdir),
                     PANTAU_BROWSER_MAX_PAGES=str(CONCURRENCY), PANTAU_LOG_LEVEL="WARNING")
    site.request_log.clear()
    started = time.perf_counter()
    outcome = run_crawl(CrawlSpec.for_source(source, run_id).model_copy(update={"deep": True}),
                        env=env, timeout=3000)
    wall = time.perf_counter() - started
    assert outcome.final, outcome.stderr_tail[-3000:]
    pages = [site.url + path.lstrip("/") for path in site.request_log.snapshot()
             if path != "/robots.txt"]
    return wall, outcome.stats, pages


def minimal_render(urls: list[str], tmpdir: Path) -> dict[str, Any]:
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.playwright_minimal", json.dumps(urls),
         str(CONCURRENCY), json.dumps(RENDER)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=3000, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_rendered_pages_per_second_pantau_vs_minimal_playwright(
        database: str, redis_url: str) -> None:
    chromium_path()
    forum = build_forum(seed=62, scale=SCALE)
    posts = sum(len(t.posts) for t in forum.threads.values())
    rates: dict[str, list[float]] = {"pantau": [], "minimal": []}
    urls: list[str] = []
    with RenderedForumServer(forum) as site, short_tmpdir() as tmpdir:
        for round_no in range(ROUNDS):
            order = ["pantau", "minimal"] if round_no % 2 == 0 else ["minimal", "pantau"]
            if not urls:  # the page list comes from a pantau crawl
                order = ["pantau", "minimal"]
            for kind in order:
                if kind == "pantau":
                    wall, stats, rendered = pantau_crawl(site, database, redis_url, tmpdir,
                                                         f"bench{round_no}")
                    assert stats["posts_new"] == posts and stats["render_truncated"] == 0, stats
                    assert stats["browser_pages"] == len(rendered), stats
                    urls = urls or rendered
                    assert sorted(rendered) == sorted(urls)
                    pages = stats["browser_pages"]
                else:
                    result = minimal_render(urls, tmpdir)
                    wall, pages = result["seconds"], result["pages"]
                rates[kind].append(pages / wall)
                print(f"round {round_no + 1} {kind:<8} {pages} pages in {wall:6.2f}s = "
                      f"{pages / wall:5.2f} pages/s")
    pantau, minimal = (statistics.median(rates[k]) for k in ("pantau", "minimal"))
    print(f"\nforum scale {SCALE}: {len(urls)} rendered pages, {posts} posts; concurrency "
          f"{CONCURRENCY}; median of {ROUNDS} rounds: pantau {pantau:.2f} pages/s, minimal "
          f"Playwright {minimal:.2f} pages/s, ratio {pantau / minimal:.2f} (target >= 0.8)")
