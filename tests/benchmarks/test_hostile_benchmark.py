"""Benchmark: what the hostile site costs a spider process with the default caps.

The whole hostile fixture site (tests/sites/hostile.py: 50 MB pages, a 64 MB gzip bomb, a
gigantic post, traps, a drip, a 503 storm) is crawled through the runner with the default
``PANTAU_DOWNLOAD_MAXSIZE`` (20 MiB) and ``PANTAU_MAX_POST_CHARS``; the spider's peak RSS
is sampled every 0.1 s. Target: the crawl ends by itself and the spider stays below 400 MB
(the caps hold: without them a 50 MB page alone is 50 MB of body plus its decoded text).

    .venv/bin/pytest -p no:cacheprovider -m benchmark -s \\
        tests/benchmarks/test_hostile_benchmark.py

Numbers: docs/benchmarks.md, "Hostile pages".
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from crawler.extract.urls import site_key
from crawler.runner import CrawlSpec, run_crawl
from tests.sites.hostile import HostileServer, StormServer
from tests.workers import worker_env

pytestmark = [pytest.mark.benchmark]

RSS_TARGET_MB = 400


def test_hostile_site_peak_rss(fresh_migrated_database: str, redis_url: str,
                               tmp_path: Path) -> None:
    peak = {"rss": 0}
    pids: set[int] = set()
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.1):
            for pid in list(pids):
                with contextlib.suppress(psutil.Error):
                    peak["rss"] = max(peak["rss"], psutil.Process(pid).memory_info().rss)

    def progress(message: dict[str, Any]) -> None:
        pids.add(int(message["spider_pid"]))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with StormServer() as storm, HostileServer(storm_url=storm.url) as site:
        spec = CrawlSpec(run_id=None, source="hostile-bench", region="62", spider="phpbb",
                         platform="phpbb", start_url=site.url, site=site_key(site.url),
                         authors="keep", politeness={"download_delay": 0,
                                                     "concurrent_requests": 8})
        env = worker_env(fresh_migrated_database, redis_url, tmp_path,
                         PANTAU_DOWNLOAD_TIMEOUT="10", PANTAU_RETRY_TIMES="0",
                         PANTAU_MAX_PAGES_PER_THREAD="5")
        started = time.monotonic()
        outcome = run_crawl(spec, env=env, timeout=300, on_progress=progress)
        elapsed = time.monotonic() - started
    stop.set()
    sampler.join(2)
    rss_mb = peak["rss"] / 2**20
    print(f"\nhostile site: {elapsed:.1f} s, {outcome.stats.get('pages')} pages, "
          f"{outcome.stats.get('items')} posts, {outcome.stats.get('errors')} errors "
          f"{outcome.stats.get('errors_by_kind')}, spider peak RSS {rss_mb:.0f} MB")
    assert outcome.final and outcome.stats["finish_reason"] == "finished"
    assert outcome.stats["errors_by_kind"]["too_large"] == 4
    assert rss_mb < RSS_TARGET_MB
