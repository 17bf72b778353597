"""Cluster politeness: the Redis-backed rate, leases, back-off and robots.txt copy (fast)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from typing import Any, TypeVar

import pytest
from pydantic import ValidationError
from redis.asyncio import Redis

from crawler.config.settings import Settings
from crawler.config.sources import Politeness
from crawler.politeness.config import cluster_politeness_settings, rate_window
from crawler.politeness.keys import domain_of
from crawler.politeness.robots import RobotsStore, crawl_delay
from crawler.politeness.state import Backoff, LeaseSemaphore, RateGate
from crawler.runner.scrapy_settings import scrapy_settings
from crawler.runner.spec import CrawlSpec

T = TypeVar("T")


def run(factory: Callable[[Redis], Awaitable[T]], redis_url: str) -> T:
    """Run ``factory(redis)`` on a fresh event loop with a client of the test's Redis db."""

    async def main() -> T:
        redis = Redis.from_url(redis_url)
        try:
            return await factory(redis)
        finally:
            await redis.aclose()

    return asyncio.run(main())


def fresh_domain() -> str:
    return f"site-{uuid.uuid4().hex[:8]}.test"


def spec(start_url: str = "http://127.0.0.1:8080/", **politeness: Any) -> CrawlSpec:
    return CrawlSpec(run_id=None, source="s", region="62", spider="phpbb", platform="phpbb",
                     start_url=start_url, site=start_url, politeness=Politeness(**politeness))


@pytest.mark.parametrize(("url", "domain"), [
    ("https://Example.org/a?b", "example.org"),
    ("http://example.org:80/", "example.org"),
    ("https://example.org:443/x", "example.org"),
    ("http://127.0.0.1:8080/robots.txt", "127.0.0.1:8080"),
    ("https://example.org:8443/", "example.org:8443"),
])
def test_domain_of(url: str, domain: str) -> None:
    assert domain_of(url) == domain


@pytest.mark.parametrize(("rps", "interval", "window"), [
    (1.0, None, (1, 1)),
    (5.0, 0.0, (5, 1)),
    (2.5, None, (2, 1)),        # rounded down: polite
    (0.5, None, (1, 2)),
    (0.4, None, (1, 3)),        # 1 per 2.5 s rounded up to 3 s
    (5.0, 1.0, (1, 1)),         # Crawl-delay 1 s: one at a time
    (5.0, 1.5, (1, 2)),
    (0.2, 2.0, (1, 5)),         # the rate is slower than the interval already
])
def test_rate_window_rounds_towards_polite(rps: float, interval: float | None,
                                           window: tuple[int, int]) -> None:
    assert rate_window(rps, interval) == window


def test_retry_after_seconds_and_http_date() -> None:
    from crawler.politeness.middleware import retry_after

    assert retry_after(b"120") == 120.0
    assert retry_after(" 3 ") == 3.0
    now = time.time()
    assert retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert retry_after(b"soon") is None
    assert retry_after(None) is None
    assert retry_after(b"") is None


def test_crawl_delay_from_robots_txt() -> None:
    body = b"User-agent: *\nCrawl-delay: 2.5\nDisallow: /private\n"
    assert crawl_delay(body, "pantau/0.1") == 2.5
    assert crawl_delay(b"User-agent: *\nDisallow:\n", "pantau/0.1") == 0.0
    assert crawl_delay(b"\xff\xfe garbage", "pantau/0.1") == 0.0


def test_source_overrides_are_bounded() -> None:
    assert Politeness(requests_per_second=50, cluster_concurrency=8).requests_per_second == 50
    with pytest.raises(ValidationError, match="less than or equal to 50"):
        Politeness(requests_per_second=51)
    with pytest.raises(ValidationError, match="less than or equal to 8"):
        Politeness(cluster_concurrency=9)
    with pytest.raises(ValidationError):
        Politeness(requests_per_second=0)


def test_scrapy_settings_register_components_with_defaults() -> None:
    built = scrapy_settings(Settings(redis_url="redis://127.0.0.1:6379/3"), spec())
    middlewares = built["DOWNLOADER_MIDDLEWARES"]
    assert middlewares["crawler.politeness.robots.SharedRobotsTxt"] < 590  # HttpCompression
    assert middlewares["crawler.politeness.middleware.ClusterPoliteness"] > 550  # Retry
    assert built["PANTAU_POLITE_CLUSTER"] is True
    assert built["PANTAU_REDIS_URL"] == "redis://127.0.0.1:6379/3"
    assert built["PANTAU_POLITE_REQUESTS_PER_SECOND"] == 1.0
    assert built["PANTAU_POLITE_CONCURRENCY"] == 2
    assert built["PANTAU_POLITE_LEASE"] > built["DOWNLOAD_TIMEOUT"]
    # the shared rate replaces Scrapy's per-process delay for the source's own host
    assert built["DOWNLOAD_SLOTS"] == {"127.0.0.1": {"delay": 0}}


def test_scrapy_settings_take_source_overrides() -> None:
    built = scrapy_settings(Settings(redis_url="redis://127.0.0.1:6379/3"),
                            spec(requests_per_second=5, cluster_concurrency=3, download_delay=2))
    assert built["PANTAU_POLITE_REQUESTS_PER_SECOND"] == 5
    assert built["PANTAU_POLITE_CONCURRENCY"] == 3
    assert built["PANTAU_POLITE_MIN_INTERVAL"] == 2


@pytest.mark.parametrize("settings", [
    Settings(redis_url=None), Settings(redis_url="redis://127.0.0.1:6379/3", polite_cluster=False),
], ids=["no-redis", "switched-off"])
def test_cluster_politeness_off(settings: Settings) -> None:
    assert cluster_politeness_settings(settings, spec()) == {}
    built = scrapy_settings(settings, spec())
    assert "DOWNLOAD_SLOTS" not in built  # the per-process delay stays in charge


def test_rate_gate_shared_by_two_clients(redis_url: str) -> None:
    domain = fresh_domain()

    async def go(redis: Redis) -> tuple[list[float], list[float]]:
        other = Redis.from_url(redis_url)  # as if in another process
        first, second = RateGate(redis_url, redis), RateGate(redis_url, other)
        try:
            assert [await first.try_acquire(domain, 2, 1) for _ in range(2)] == [0.0, 0.0]
            waits = [await second.try_acquire(domain, 2, 1),
                     await first.try_acquire(domain, 2, 1)]
            started = time.monotonic()
            await second.acquire(domain, 2, 1)  # waits for the window to move on
            return waits, [time.monotonic() - started]
        finally:
            await other.aclose()

    waits, slept = run(go, redis_url)
    assert all(0.5 < w <= 1.0 for w in waits), waits
    assert 0.5 < slept[0] < 1.5


def test_lease_semaphore_caps_releases_and_expires(redis_url: str) -> None:
    domain = fresh_domain()

    async def go(redis: Redis) -> None:
        slots = LeaseSemaphore(redis)
        a = await slots.try_acquire(domain, 2, lease=0.5)
        b = await slots.try_acquire(domain, 2, lease=30)
        assert a and b
        assert await slots.try_acquire(domain, 2, lease=30) is None
        await slots.release(domain, b)
        c = await slots.try_acquire(domain, 2, lease=30)
        assert c is not None
        assert await slots.try_acquire(domain, 2, lease=30) is None
        # a killed worker's lease (never released) comes back after its TTL
        started = time.monotonic()
        await slots.acquire(domain, 2, lease=30)
        assert 0.2 < time.monotonic() - started < 1.5
        assert await slots.in_flight(domain) == 2
        assert 0 < await redis.pttl(f"pantau:polite:{domain}:slots") <= 30_000

    run(go, redis_url)


def test_backoff_only_grows_and_expires(redis_url: str) -> None:
    domain = fresh_domain()

    async def go(redis: Redis) -> None:
        backoff = Backoff(redis)
        assert await backoff.remaining(domain) == 0
        assert await backoff.extend(domain, 0.6, "429")
        assert not await backoff.extend(domain, 0.1, "429")  # shorter: kept as is
        assert 0.4 < await backoff.remaining(domain) <= 0.6
        slept = await backoff.wait(domain)
        assert slept >= 0.4
        assert await backoff.remaining(domain) == 0
        assert await redis.exists(f"pantau:polite:{domain}:backoff") == 0

    run(go, redis_url)


def test_robots_store_roundtrip_lock_and_expiry(redis_url: str) -> None:
    domain = fresh_domain()

    async def go(redis: Redis) -> None:
        store = RobotsStore(redis, ttl=60)
        assert await store.get(domain) is None
        assert await store.crawl_delay(domain) == 0
        assert await store.lock(domain, 5)
        assert not await store.lock(domain, 5)  # another worker waits for the copy
        await store.save(domain, 200, b"User-agent: *\nCrawl-delay: 3\n", 3.0)
        await store.unlock(domain)
        copy = await store.get(domain)
        assert copy == {"status": 200, "body": b"User-agent: *\nCrawl-delay: 3\n",
                        "crawl_delay": 3.0}
        assert await store.crawl_delay(domain) == 3.0
        assert 0 < await redis.ttl(f"pantau:polite:{domain}:robots") <= 60

    run(go, redis_url)


def test_every_key_is_namespaced_and_expires(redis_url: str) -> None:
    domain = fresh_domain()

    async def go(redis: Redis) -> list[tuple[bytes, int]]:
        await RateGate(redis_url, redis).acquire(domain, 1, 1)
        await LeaseSemaphore(redis).acquire(domain, 1, lease=5)
        await Backoff(redis).extend(domain, 5)
        store = RobotsStore(redis, ttl=60)
        await store.lock(domain, 5)
        await store.save(domain, 404, b"", 0.0)
        keys = await redis.keys(f"*{domain}*")
        return [(k, await redis.pttl(k)) for k in keys]

    found = run(go, redis_url)
    assert len(found) == 5, found
    for name, ttl in found:
        assert name.startswith(b"pantau:polite:"), name
        assert ttl > 0, (name, ttl)


def crawler_for(redis_url: str, **overrides: Any) -> Any:
    from scrapy.utils.test import get_crawler

    settings = scrapy_settings(Settings(redis_url=redis_url), spec(**overrides))
    return get_crawler(settings_dict={k: v for k, v in settings.items()
                                      if k.startswith(("PANTAU_POLITE", "PANTAU_REDIS",
                                                       "ROBOTSTXT", "USER_AGENT"))})


def test_middlewares_switch_off_without_redis() -> None:
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from crawler.politeness.middleware import ClusterPoliteness
    from crawler.politeness.robots import SharedRobotsTxt

    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
    with pytest.raises(NotConfigured):
        ClusterPoliteness.from_crawler(crawler)
    with pytest.raises(NotConfigured):
        SharedRobotsTxt.from_crawler(crawler)


def test_429_pauses_the_domain_releases_the_lease_and_resends(redis_url: str) -> None:
    from scrapy import Request
    from scrapy.http import Response

    from crawler.politeness.middleware import BACKOFFS, LEASE, ClusterPoliteness

    host = f"{fresh_domain()}:8123"
    url = f"http://{host}/page"

    async def go(redis: Redis) -> None:
        middleware = ClusterPoliteness.from_crawler(crawler_for(redis_url, cluster_concurrency=1))
        request = Request(url)
        await middleware.process_request(request)
        assert request.meta[LEASE][0] == host
        assert await middleware.slots.in_flight(host) == 1
        throttled = Response(url, status=429, headers={"Retry-After": "1"}, request=request)
        again = await middleware.process_response(request, throttled)
        assert isinstance(again, Request)
        assert again.dont_filter
        assert again.meta[BACKOFFS] == 1
        assert LEASE not in again.meta
        assert await middleware.slots.in_flight(host) == 0
        assert 0.5 < await Backoff(redis).remaining(host) <= 1
        started = time.monotonic()
        await middleware.process_request(again)  # waits out the pause
        assert time.monotonic() - started > 0.5
        ok = Response(url, status=200, request=again)
        assert await middleware.process_response(again, ok) is ok
        assert await middleware.slots.in_flight(host) == 0
        # a 503 without Retry-After is an outage: no pause, the response goes on
        request = Request(url)
        await middleware.process_request(request)
        down = Response(url, status=503, request=request)
        assert await middleware.process_response(request, down) is down
        assert await Backoff(redis).remaining(host) == 0
        await middleware.spider_closed()

    run(go, redis_url)


def test_robots_copy_is_served_from_redis(redis_url: str) -> None:
    from scrapy import Request
    from scrapy.http import Response

    from crawler.politeness.robots import FETCHER, SHARED, SharedRobotsTxt

    host = fresh_domain()
    url = f"https://{host}/robots.txt"
    body = b"User-agent: *\nCrawl-delay: 2\n"

    async def go(redis: Redis) -> None:
        first = SharedRobotsTxt.from_crawler(crawler_for(redis_url))
        second = SharedRobotsTxt.from_crawler(crawler_for(redis_url))
        fetch = Request(url, meta={"dont_obey_robotstxt": True})
        assert await first.process_request(fetch) is None
        assert fetch.meta[FETCHER]
        assert await first.process_request(Request(f"https://{host}/x")) is None  # not robots
        waiting = asyncio.ensure_future(
            second.process_request(Request(url, meta={"dont_obey_robotstxt": True})))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # waits for the fetching worker's copy
        await first.process_response(fetch, Response(url, status=200, body=body))
        copy = await asyncio.wait_for(waiting, 5)
        assert isinstance(copy, Response)
        assert (copy.status, copy.body) == (200, body)
        assert copy.request is not None and copy.request.meta[SHARED]
        assert await RobotsStore(redis, 60).crawl_delay(host) == 2.0
        await first.spider_closed()
        await second.spider_closed()

    run(go, redis_url)
