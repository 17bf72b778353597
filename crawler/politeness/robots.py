"""robots.txt fetched once per domain per TTL for the whole cluster, shared through Redis.

Scrapy's RobotsTxtMiddleware asks for ``/robots.txt`` once per process. This middleware
answers that request from Redis when another worker fetched it within the TTL; otherwise one
worker (holding a short lock) fetches it and publishes status, body and Crawl-delay, while the
others wait for that copy. The Crawl-delay becomes the domain's minimum interval
(:class:`~crawler.politeness.middleware.ClusterPoliteness` reads it).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from protego import Protego
from redis.asyncio import Redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.politeness.config import enabled_in
from crawler.politeness.keys import domain_of, key

FETCHER = "pantau_robots_fetcher"  # request.meta: this worker fetches for the cluster
SHARED = "pantau_robots_shared"  # request.meta: answered from the cluster's copy
MAX_BODY = 512 * 1024  # Google reads the first 500 KiB of a robots.txt
WAIT_POLL = 0.1


def is_robots_request(request: Request) -> bool:
    """The request Scrapy's RobotsTxtMiddleware makes for a domain's robots.txt."""
    return bool(request.meta.get("dont_obey_robotstxt")) and request.url.endswith("/robots.txt")


def crawl_delay(body: bytes, user_agent: str) -> float:
    """The Crawl-delay robots.txt asks of ``user_agent`` (0 when none)."""
    try:
        parser = Protego.parse(body.decode("utf-8", errors="replace"))
        return float(parser.crawl_delay(user_agent) or 0.0)
    except (ValueError, TypeError):
        return 0.0


def _domains(request: Request) -> set[str]:
    """The request's domain and those of the robots.txt URLs that redirected to it."""
    urls = [*request.meta.get("redirect_urls", []), request.url]
    return {domain_of(url) for url in urls}


class RobotsStore:
    """The cached copy of each domain's robots.txt: a Redis hash that expires after a TTL."""

    def __init__(self, redis: Redis, ttl: int) -> None:
        self.redis = redis
        self.ttl = ttl

    async def get(self, domain: str) -> dict[str, Any] | None:
        """``{"status", "body", "crawl_delay"}`` of the cached copy, or None."""
        raw = await self.redis.hgetall(key(domain, "robots"))
        if not raw or b"status" not in raw:
            return None
        return {"status": int(raw[b"status"]), "body": raw.get(b"body", b""),
                "crawl_delay": float(raw.get(b"crawl_delay", b"0"))}

    async def crawl_delay(self, domain: str) -> float:
        """The domain's Crawl-delay from the cached copy (0 when unknown)."""
        value = await self.redis.hget(key(domain, "robots"), "crawl_delay")
        return float(value) if value else 0.0

    async def save(self, domain: str, status: int, body: bytes, delay: float) -> None:
        """Publish a fetched copy for ``ttl`` seconds."""
        name = key(domain, "robots")
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(name, mapping={"status": status, "body": body[:MAX_BODY],
                                     "crawl_delay": delay})
            pipe.expire(name, self.ttl)
            await pipe.execute()

    async def lock(self, domain: str, seconds: int) -> bool:
        """Become the one worker that fetches; the lock frees itself after ``seconds``."""
        return bool(await self.redis.set(key(domain, "robots:lock"), "1", nx=True, ex=seconds))

    async def unlock(self, domain: str) -> None:
        """Let another worker fetch (after a failure) or end the wait (after success)."""
        await self.redis.delete(key(domain, "robots:lock"))


class SharedRobotsTxt:
    """Downloader middleware: one robots.txt download per domain per TTL for all workers.

    Registered before ClusterPoliteness, so a copy from Redis takes no rate slot.
    """

    def __init__(self, store: RobotsStore, user_agent: str, wait: int) -> None:
        self.store = store
        self.user_agent = user_agent
        self.wait = wait

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedRobotsTxt:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY") or not enabled_in(settings):
            raise NotConfigured("cluster politeness or robots.txt is switched off")
        redis = Redis.from_url(settings["PANTAU_REDIS_URL"])
        user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "*"
        middleware = cls(RobotsStore(redis, settings.getint("PANTAU_POLITE_ROBOTS_TTL")),
                         user_agent, settings.getint("PANTAU_POLITE_ROBOTS_WAIT"))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_request(self, request: Request) -> Response | None:
        if not is_robots_request(request):
            return None
        if request.meta.get(FETCHER):
            return None  # sent round again (back-off, retry, redirect): still ours to fetch
        domain = domain_of(request.url)
        deadline = time.monotonic() + self.wait
        while True:
            cached = await self.store.get(domain)
            if cached is not None:
                request.meta[SHARED] = True
                return Response(request.url, status=cached["status"], body=cached["body"],
                                request=request, flags=["pantau-shared"])
            if await self.store.lock(domain, self.wait) or time.monotonic() > deadline:
                request.meta[FETCHER] = True
                return None
            await asyncio.sleep(WAIT_POLL)

    async def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get(FETCHER) and not request.meta.get(SHARED):
            # a server error or a 429 says nothing about the rules: let the next one try
            keep = response.status < 500 and response.status != 429
            delay = crawl_delay(response.body, self.user_agent) if keep else 0.0
            for domain in _domains(request):
                if keep:
                    await self.store.save(domain, response.status, response.body, delay)
                await self.store.unlock(domain)
        return response

    async def process_exception(self, request: Request, exception: Exception) -> None:
        if request.meta.get(FETCHER):
            for domain in _domains(request):
                await self.store.unlock(domain)

    async def spider_closed(self) -> None:
        """Close this process's Redis connections."""
        await self.store.redis.aclose()
