"""Cluster politeness end to end: three spider processes, one site, one set of limits.

Each spider process binds to its own source address (127.0.0.2/.3/.4, Scrapy's
``DOWNLOAD_BIND_ADDRESS``) so the fixture server can tell them apart. The server logs every
request's start and end; the limits are checked on that log, not on what the clients believe.

Run as ``python -m tests.test_politeness_cluster BIND BASE_URL COUNT OUT_DIR`` this module is
the spider process itself (settings from the environment, as in a worker).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CLIENTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
RATE = 5  # the documented test override: requests_per_second
CONCURRENCY = 2  # cluster_concurrency
HOLD = 0.4  # seconds the server takes per page: with 2 in flight, about the rate
RETRY_AFTER = 2
TOLERANCE = 0.05  # clock granularity between client grant and server arrival


@dataclass
class Hit:
    start: float
    end: float
    client: str
    path: str
    status: int


class Site:
    """A local site that logs each request and answers one 429 once all clients were seen."""

    def __init__(self, robots: str, throttle_after: int | None) -> None:
        self.robots = robots
        self.throttle_after = throttle_after
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.throttled: Hit | None = None
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        start = time.monotonic()
        client = request.client_address[0]
        status, headers, body = 200, {"Content-Type": "text/html"}, b"<html>ok</html>"
        if request.path == "/robots.txt":
            headers, body = {"Content-Type": "text/plain"}, self.robots.encode()
        else:
            with self.lock:
                if self._throttle_now():
                    status, headers = 429, {"Retry-After": str(RETRY_AFTER)}
                    self.throttled = Hit(start, 0.0, client, request.path, 429)
            time.sleep(HOLD)
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
        request.wfile.flush()
        hit = Hit(start, time.monotonic(), client, request.path, status)
        with self.lock:
            self.hits.append(hit)
            if status == 429:
                self.throttled = hit

    def _throttle_now(self) -> bool:
        if self.throttle_after is None or self.throttled is not None:
            return False
        pages = [h for h in self.hits if h.path != "/robots.txt"]
        return {h.client for h in pages} == set(CLIENTS) and len(pages) >= self.throttle_after

    def log(self) -> list[Hit]:
        with self.lock:
            return sorted(self.hits, key=lambda h: h.start)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def max_in_window(starts: list[float], seconds: float) -> int:
    """The most request starts in any window of ``seconds``."""
    return max(sum(1 for t in starts if s <= t < s + seconds) for s in starts)


def max_overlap(hits: list[Hit]) -> int:
    """The most requests the server was serving at once."""
    events = sorted([(h.start, 1) for h in hits] + [(h.end, -1) for h in hits])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def run_spiders(site: Site, redis_url: str, tmp_path: Path, count: int,
                clients: tuple[str, ...] = CLIENTS, **extra: str) -> list[dict[str, Any]]:
    """Start one spider process per client address at the same moment; their stats."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(PANTAU_REDIS_URL=redis_url, PANTAU_LOG_LEVEL="INFO",
               PANTAU_DOWNLOAD_TIMEOUT="10", PANTAU_RETRY_TIMES="1",
               PANTAU_ALLOWED_NETWORKS="127.0.0.0/8", **extra)  # the site is on loopback
    procs = []
    for client in clients:
        out = tmp_path / client
        out.mkdir()
        with (out / "spider.log").open("wb") as log:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "tests.test_politeness_cluster", client, site.url,
                 str(count), str(out)],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    try:
        deadline = time.monotonic() + 30
        while not all((tmp_path / c / "ready").exists() for c in clients):
            assert all(p.poll() is None for p in procs), _logs(tmp_path, clients)
            assert time.monotonic() < deadline, _logs(tmp_path, clients)
            time.sleep(0.05)
        (tmp_path / "go").touch()
        for proc in procs:
            assert proc.wait(timeout=90) == 0, _logs(tmp_path, clients)
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
                proc.wait()
    return [json.loads((tmp_path / c / "stats.json").read_text()) for c in clients]


def _logs(tmp_path: Path, clients: tuple[str, ...]) -> str:
    return "\n".join((tmp_path / c / "spider.log").read_text()[-3000:] for c in clients)


@pytest.fixture
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    robots, throttle_after = request.param
    server = Site(robots, throttle_after)
    yield server
    server.close()


@pytest.mark.parametrize("site", [("User-agent: *\nDisallow:\n", 6)], indirect=True)
def test_three_processes_share_rate_concurrency_backoff_and_robots(
        site: Site, redis_url: str, tmp_path: Path) -> None:
    count = 10
    stats = run_spiders(site, redis_url, tmp_path, count)
    hits = site.log()
    pages = [h for h in hits if h.path != "/robots.txt"]

    # all three clients crawled the site at the same time, everything was fetched
    assert {h.client for h in pages} == set(CLIENTS)
    ok = {h.path for h in pages if h.status == 200}
    assert len(ok) == count * len(CLIENTS), sorted(ok)
    assert all(s.get("downloader/response_status_count/200", 0) >= count for s in stats)

    # robots.txt: one download for the three processes; the others used the shared copy
    assert [h.client for h in hits if h.path == "/robots.txt"] != []
    assert len([h for h in hits if h.path == "/robots.txt"]) == 1
    assert sum(s.get("robotstxt/request_count", 0) for s in stats) == 3

    # the rate over all three never exceeded RATE per second, concurrency never CONCURRENCY
    starts = [h.start for h in hits]
    print(f"peak per second {max_in_window(starts, 1 - TOLERANCE)}, "
          f"peak in flight {max_overlap(hits)}, requests {len(hits)}")
    assert max_in_window(starts, 1 - TOLERANCE) <= RATE, starts
    assert max_overlap(hits) <= CONCURRENCY
    assert max_overlap(hits) == CONCURRENCY  # the cap was reached, so it was what held

    # one 429 with Retry-After: every client paused, then all resumed; the page was retried
    throttled = site.throttled
    assert throttled is not None
    assert throttled.status == 429
    paused = (throttled.end + 0.1, throttled.end + RETRY_AFTER - 0.1)
    assert [h for h in hits if paused[0] <= h.start <= paused[1]] == []
    for client in CLIENTS:
        assert any(h.start < throttled.start for h in pages if h.client == client), client
        assert any(h.start > paused[1] for h in pages if h.client == client), client
    retried = [h for h in pages if h.path == throttled.path and h.status == 200]
    assert len(retried) == 1
    assert retried[0].start > paused[1]
    assert sum(s.get("pantau/polite/backoff/429", 0) for s in stats) == 1


@pytest.mark.parametrize("site", [("User-agent: *\nCrawl-delay: 1\nDisallow:\n", None)],
                         indirect=True)
def test_crawl_delay_is_the_minimum_interval_across_processes(
        site: Site, redis_url: str, tmp_path: Path) -> None:
    stats = run_spiders(site, redis_url, tmp_path, count=3, clients=CLIENTS[:2])
    hits = site.log()
    assert len([h for h in hits if h.path == "/robots.txt"]) == 1
    pages = [h for h in hits if h.path != "/robots.txt"]
    assert {h.client for h in pages} == set(CLIENTS[:2])
    assert len(pages) == 6
    gaps = [b.start - a.start for a, b in itertools.pairwise(pages)]
    assert min(gaps) >= 1 - TOLERANCE, gaps
    assert all(s.get("downloader/response_status_count/200", 0) >= 3 for s in stats)


# --- the spider process ------------------------------------------------------------------


def _spider_main(bind: str, base_url: str, count: int, out: Path) -> int:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.config.settings import Settings
    from crawler.config.sources import Politeness
    from crawler.runner.scrapy_settings import scrapy_settings
    from crawler.runner.spec import CrawlSpec

    class Pages(scrapy.Spider):
        name = "politeness-pages"

        async def start(self) -> AsyncIterator[scrapy.Request]:
            for i in range(count):
                yield scrapy.Request(f"{base_url}p/{bind}/{i}", callback=self.parse)

        def parse(self, response: scrapy.http.Response) -> None:
            return None

    # The documented test override (docs/operations.md): a fast rate for a local site.
    polite = Politeness(download_delay=0, concurrent_requests=4,
                        requests_per_second=RATE, cluster_concurrency=CONCURRENCY)
    spec = CrawlSpec(run_id=None, source="polite-test", region="62", spider="none",
                     platform="test", start_url=base_url, site=base_url, politeness=polite)
    settings = scrapy_settings(Settings(), spec)
    settings.update(ITEM_PIPELINES={}, EXTENSIONS={}, DOWNLOAD_BIND_ADDRESS=bind,
                    SPIDER_MODULES=[])
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Pages)
    process.crawl(crawler)
    (out / "ready").touch()
    while not (out.parent / "go").exists():
        time.sleep(0.01)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    (out / "stats.json").write_text(json.dumps(stats, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(_spider_main(sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])))
