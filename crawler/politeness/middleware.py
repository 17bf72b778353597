"""Downloader middleware that holds every worker of the cluster to one domain's limits.

Before a download: wait out the domain's back-off, take a concurrency lease, take a slot of
the domain's rate (the effective rate honours robots.txt Crawl-delay). After it: give the
lease back. A 429, or a 503 with Retry-After, pauses the domain for every worker and sends
the request round again, to be downloaded once the pause is over.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.politeness.config import enabled_in, rate_window
from crawler.politeness.keys import domain_of
from crawler.politeness.robots import SHARED, RobotsStore
from crawler.politeness.state import Backoff, LeaseSemaphore, RateGate, _jitter

logger = logging.getLogger(__name__)

LEASE = "pantau_polite_lease"  # request.meta: (domain, token) of the lease it holds
BACKOFFS = "pantau_polite_backoffs"  # request.meta: times it was sent round after a 429/503
MAX_BACKOFF_ROUNDS = 3  # after that the response goes on (RetryMiddleware, FailureRecorder)
# While Redis is unreachable (a restart) requests wait for it, retrying with back-off from
# REDIS_RETRY_MIN to REDIS_RETRY_MAX seconds, for at most REDIS_GRACE seconds each; without
# this every request of that moment failed and its posts were lost (tests/test_chaos_servers.py).
REDIS_GRACE = 60.0
REDIS_RETRY_MIN = 0.2
REDIS_RETRY_MAX = 2.0
T = TypeVar("T")


def retry_after(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), None if unusable."""
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ClusterPoliteness:
    """Per-domain rate, concurrency and back-off shared by all spider processes via Redis."""

    def __init__(self, redis: Redis, rate: RateGate, robots: RobotsStore,
                 stats: StatsCollector | None, *, requests_per_second: float,
                 min_interval: float, concurrency: int, lease: float,
                 default_backoff: float, max_backoff: float) -> None:
        self.redis = redis
        self.rate = rate
        self.slots = LeaseSemaphore(redis)
        self.backoff = Backoff(redis)
        self.robots = robots
        self.stats = stats
        self.requests_per_second = requests_per_second
        self.min_interval = min_interval
        self.concurrency = concurrency
        self.lease = lease
        self.default_backoff = default_backoff
        self.max_backoff = max_backoff
        self.held: dict[str, str] = {}  # token -> domain, released at the latest on close

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterPoliteness:
        settings = crawler.settings
        if not enabled_in(settings):
            raise NotConfigured("cluster politeness is off (PANTAU_POLITE_CLUSTER, REDIS_URL)")
        url = settings["PANTAU_REDIS_URL"]
        redis = Redis.from_url(url)
        middleware = cls(
            redis, RateGate(url, redis),
            RobotsStore(redis, settings.getint("PANTAU_POLITE_ROBOTS_TTL")), crawler.stats,
            requests_per_second=settings.getfloat("PANTAU_POLITE_REQUESTS_PER_SECOND"),
            min_interval=settings.getfloat("PANTAU_POLITE_MIN_INTERVAL"),
            concurrency=settings.getint("PANTAU_POLITE_CONCURRENCY"),
            lease=settings.getfloat("PANTAU_POLITE_LEASE"),
            default_backoff=settings.getfloat("PANTAU_POLITE_BACKOFF"),
            max_backoff=settings.getfloat("PANTAU_POLITE_MAX_BACKOFF"),
        )
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_request(self, request: Request) -> None:
        if request.meta.get(SHARED) or request.url.startswith(("data:", "file:")):
            return
        domain = domain_of(request.url)
        started = time.monotonic()
        token = await self._outlasting_redis(lambda: self._admit(domain), domain)
        self.held[token] = domain
        request.meta[LEASE] = (domain, token)
        self._inc("pantau/polite/waited_ms", int((time.monotonic() - started) * 1000))

    async def _admit(self, domain: str) -> str:
        """Wait for the domain's pause, a lease and a rate slot; the lease's token."""
        while True:
            await self.backoff.wait(domain)
            token = await self.slots.acquire(domain, self.concurrency, self.lease)
            delay = max(self.min_interval, await self.robots.crawl_delay(domain))
            amount, seconds = rate_window(self.requests_per_second, delay)
            await self.rate.acquire(domain, amount, seconds)
            if await self.backoff.remaining(domain) <= 0:
                return token
            await self.slots.release(domain, token)  # a 429 came in meanwhile

    async def _outlasting_redis(self, call: Callable[[], Awaitable[T]], domain: str) -> T:
        """``call()``, tried again while Redis is unreachable (restarting), for at most
        REDIS_GRACE seconds; then its error fails the request as before."""
        failed_at: float | None = None
        pause = REDIS_RETRY_MIN
        while True:
            try:
                return await call()
            except RedisError as err:
                now = time.monotonic()
                if failed_at is None:
                    failed_at = now
                    logger.warning("cluster politeness: Redis failed (%s); %s waits for it up "
                                   "to %.0f s", err, domain, REDIS_GRACE)
                    self._inc("pantau/polite/redis_waits")
                if now - failed_at > REDIS_GRACE:
                    raise
                await asyncio.sleep(_jitter(pause / 2, pause))
                pause = min(REDIS_RETRY_MAX, pause * 2)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        domain = await self._release(request)
        if domain is None or response.status not in (429, 503):
            return response
        pause = retry_after(response.headers.get(b"Retry-After"))
        if pause is None:
            if response.status == 503:
                return response  # a 503 without Retry-After is an outage, not a request
            pause = self.default_backoff
        pause = min(pause, self.max_backoff)
        await self.backoff.extend(domain, pause, f"{response.status} {_now_iso()}")
        self._inc(f"pantau/polite/backoff/{response.status}")
        rounds = int(request.meta.get(BACKOFFS, 0))
        logger.info("%s answered %s: every worker pauses %s for %.1f s", request.url,
                    response.status, domain, pause)
        if rounds >= MAX_BACKOFF_ROUNDS:
            return response
        meta = {k: v for k, v in request.meta.items() if k != LEASE}
        meta[BACKOFFS] = rounds + 1
        return request.replace(meta=meta, dont_filter=True)

    async def process_exception(self, request: Request, exception: Exception) -> None:
        await self._release(request)

    async def spider_closed(self) -> None:
        """Give back leases of requests that never came back (cancelled at shutdown)."""
        for token, domain in list(self.held.items()):
            await self.slots.release(domain, token)
        self.held.clear()
        await self.redis.aclose()

    async def _release(self, request: Request) -> str | None:
        lease = request.meta.pop(LEASE, None)
        if lease is None:
            return None
        domain, token = lease
        self.held.pop(token, None)
        try:
            await self._outlasting_redis(lambda: self.slots.release(domain, token), domain)
        except RedisError:  # the response is kept; the lease expires after `lease` seconds
            logger.warning("cluster politeness: lease %s of %s not given back", token, domain)
        return str(domain)

    def _inc(self, name: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(name, count)
