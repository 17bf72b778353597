"""The SSRF guard in Scrapy: a downloader middleware that refuses a request before it connects.

``SsrfGuard`` runs first among the downloader middlewares (before robots.txt, politeness and
the proxy choice). For every request - start URLs, links, robots.txt, and every redirect
target, which RedirectMiddleware sends round as a new request - it resolves the host
(``crawler.ssrf.policy.resolve_host``, in a thread) and raises :class:`BlockedRequest`
when the address is not public and not allowlisted. The failure recorder writes it to the
run's ``error_reasons`` with kind ``blocked``. With a proxy the target host is checked all
the same: the proxy would otherwise fetch the intranet for us. Only http and https are
crawled (Scrapy would read ``file://`` and ``s3://`` URLs too). The connection itself is
checked once more by ``crawler.ssrf.resolver.GuardedResolver``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest, NotConfigured

from crawler.ssrf import policy as _policy
from crawler.ssrf.policy import Address, AddressPolicy

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

SCHEMES = frozenset({"http", "https"})
CACHE_SECONDS = 60.0
CACHE_ENTRIES = 10_000


class BlockedRequest(IgnoreRequest):
    """A request the guard refused: its target is not public, or not a web address."""

    error_kind = "blocked"


class SsrfGuard:
    """Downloader middleware: refuses non-public targets (PANTAU_ALLOWED_NETWORKS allows)."""

    def __init__(self, policy: AddressPolicy, stats: StatsCollector | None = None) -> None:
        self.policy = policy
        self.stats = stats
        self._cache: dict[str, tuple[float, list[Address]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SsrfGuard:
        policy = AddressPolicy.parse(crawler.settings.get("PANTAU_ALLOWED_NETWORKS") or "")
        if policy.allow_all:
            raise NotConfigured("PANTAU_ALLOWED_NETWORKS is '*': every address is allowed")
        return cls(policy, crawler.stats)

    async def process_request(self, request: Request) -> None:
        """Raise BlockedRequest for a target that must not be fetched; None lets it go."""
        refusal = await self.refusal(request.url)
        if refusal is not None:
            if self.stats is not None:
                self.stats.inc_value("pantau/ssrf/refused")
            logger.warning("%s (%s)", refusal, request.url)
            raise BlockedRequest(refusal)

    async def refusal(self, url: str) -> str | None:
        """Why ``url`` must not be fetched, or None. A name that does not resolve raises
        CannotResolveHostError (retried and recorded like any DNS failure)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as err:
            return f"refused: not a valid URL ({err})"
        if parts.scheme.lower() not in SCHEMES:
            return f"refused: only http and https URLs are crawled, not {parts.scheme}:"
        host = parts.hostname
        if not host:
            return "refused: the URL names no host"
        if self.policy.allows_host(host):
            return None
        port = port or (443 if parts.scheme.lower() == "https" else 80)
        return self.policy.refusal(host, await self._addresses(host, port))

    async def addresses(self, host: str, port: int) -> list[Address]:
        """The addresses of ``host`` (an IP literal: itself), cached for a minute;
        CannotResolveHostError when the name does not resolve."""
        return await self._addresses(host, port)

    async def _addresses(self, host: str, port: int) -> list[Address]:
        now = time.monotonic()
        cached = self._cache.get(host)
        if cached is not None and cached[0] > now:
            return cached[1]
        literal = _policy.parse_address(host)
        if literal is not None:
            return [literal]
        loop = asyncio.get_running_loop()
        try:  # looked up at call time: tests replace crawler.ssrf.policy.resolve_host
            found = await loop.run_in_executor(None, _policy.resolve_host, host, port)
        except (OSError, UnicodeError) as err:
            raise CannotResolveHostError(f"cannot resolve {host}: {err}") from None
        if len(self._cache) >= CACHE_ENTRIES:
            self._cache.clear()
        self._cache[host] = (now + CACHE_SECONDS, found)
        return found
