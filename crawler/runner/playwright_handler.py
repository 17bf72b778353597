"""The scrapy-playwright download handler of rendered crawls: one per crawl, SSRF-guarded.

Scrapy builds one handler instance per scheme, and scrapy-playwright's handler is not lazy,
so both instances would start their own Playwright driver (a Node.js process) when the engine
starts, and a startup context in each would launch two Chromiums. This subclass makes every
scheme of a crawl share the first instance, and closes it once.

It also guards what Chromium loads by itself. Scrapy's SSRF guard (crawler.ssrf) checks the
page request, but a page's scripts, frames, XHR and redirects are fetched by the browser,
and the page's JavaScript is the site's. Every request the browser makes passes
scrapy-playwright's abort hook: images, media and fonts are not loaded
(crawler.runner.browser), and a request to an address that is not public (unless
PANTAU_ALLOWED_NETWORKS allows it) is aborted before it leaves the browser. The hook never
sees the hops of a redirect the browser follows, so Chromium is also launched behind the
guard's SOCKS5 proxy (crawler.ssrf.browser_proxy), which checks every connection it opens
and opens it from PANTAU_BIND_ADDRESS, if set (Chromium itself cannot bind one).
Both kinds of refusal are recorded on the run like the guard's (kind ``blocked``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, NotConfigured
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.middlewares import record_error
from crawler.runner.browser import SKIPPED_RESOURCES
from crawler.ssrf.browser_proxy import BrowserGuardProxy, Upstream
from crawler.ssrf.guard import SCHEMES, SsrfGuard

if TYPE_CHECKING:
    from playwright.async_api import Request as BrowserRequest

logger = logging.getLogger(__name__)
_ATTRIBUTE = "_pantau_playwright_handler"


class SharedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """DOWNLOAD_HANDLERS entry of rendered crawls (crawler.runner.browser)."""

    _closed = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        try:
            self.guard: SsrfGuard | None = SsrfGuard.from_crawler(crawler)
        except NotConfigured:  # PANTAU_ALLOWED_NETWORKS is '*'
            self.guard = None
        self.guard_proxy: BrowserGuardProxy | None = None
        self.bind_address: str | None = crawler.settings.get("PANTAU_BIND_ADDRESS") or None
        self.abort_request = self.refuse

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        """The crawl's one instance (built on the first call)."""
        handler = getattr(crawler, _ATTRIBUTE, None)
        if handler is None:
            handler = cls(crawler)
            setattr(crawler, _ATTRIBUTE, handler)
        return handler

    async def refuse(self, request: BrowserRequest) -> bool:
        """True (abort) for a skipped resource type, or a target the SSRF guard refuses."""
        if request.resource_type in SKIPPED_RESOURCES:
            return True
        if self.guard is None or urlsplit(request.url).scheme.lower() not in SCHEMES:
            return False  # data:, blob: and the like never leave the browser
        try:
            refusal = await self.guard.refusal(request.url)
        except CannotResolveHostError:
            return False  # Chromium fails to resolve it too
        if refusal is None:
            return False
        self.stats.inc_value("pantau/ssrf/refused_in_browser")
        record_error(self.stats, "blocked", request.url, refusal)
        logger.warning("browser: %s (%s %s)", refusal, request.resource_type, request.url)
        return True

    def refused_connection(self, target: str, refusal: str) -> None:
        """Record a connection the guard proxy refused (``target`` is host:port)."""
        self.stats.inc_value("pantau/ssrf/refused_in_browser")
        record_error(self.stats, "blocked", target, f"browser connection {refusal}")
        logger.warning("browser connection %s (%s)", refusal, target)

    async def _launch(self) -> None:
        """Start the guard proxy, put Chromium behind it, then launch as scrapy-playwright."""
        options = self.config.launch_options
        if self.guard is not None and self.guard_proxy is None:
            upstream = office_proxy(options.get("proxy"))
            if upstream is not None or "proxy" not in options:
                self.guard_proxy = BrowserGuardProxy(self.guard, self.refused_connection,
                                                     upstream, self.bind_address)
                await self.guard_proxy.start()
                options["proxy"] = {"server": self.guard_proxy.url}
            else:  # a proxy the guard cannot tunnel through: the route checks only
                logger.warning("browser: proxy %s is not http://; redirects inside the "
                               "browser are not checked by the SSRF guard",
                               options["proxy"].get("server"))
        await super()._launch()

    async def close(self) -> None:
        """Close the contexts, then the browser and the driver; once."""
        if self._closed:
            return
        self._closed = True
        await super().close()
        if self.guard_proxy is not None:
            await self.guard_proxy.close()


def office_proxy(proxy: dict[str, Any] | None) -> Upstream | None:
    """The office proxy of the launch options (crawler.runner.browser) as the guard proxy's
    upstream; None without one, or when it is not an http:// proxy."""
    if not proxy:
        return None
    parts = urlsplit(str(proxy.get("server", "")))
    if parts.scheme != "http" or not parts.hostname:
        return None
    return Upstream(parts.hostname, parts.port or 80, proxy.get("username"),
                    proxy.get("password"), str(proxy.get("bypass") or ""))
