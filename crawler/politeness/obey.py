"""Scrapy's RobotsTxtMiddleware, with every request that waits for robots.txt checked.

Scrapy 2.19 (since its ``async def process_request``) lets the requests that arrive while a
domain's robots.txt is being fetched wait on one shared Deferred through
``maybe_deferred_to_future``. Twisted's ``Deferred.asFuture`` passes the result to its
future and hands ``None`` down the callback chain, so the first waiter gets the parser and
every later one gets ``None`` - which RobotsTxtMiddleware takes for "no robots.txt, all
allowed". A shard starts with all its thread URLs at once, so most of them were fetched
unchecked (tests/test_politeness_three_workers.py found it). Here each waiter gets a
Deferred of its own, fed by a callback that passes the parser on. Drop it once Scrapy's own
middleware passes tests/test_politeness_robots_waiters.py.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

SCRAPY_MIDDLEWARE = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"
PRIORITY = 100  # Scrapy's own place in DOWNLOADER_MIDDLEWARES_BASE


class ObeyRobotsTxt(RobotsTxtMiddleware):
    """Registered in place of Scrapy's RobotsTxtMiddleware (crawler.runner.scrapy_settings)."""

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)  # fetches it, or it is known
        own: Deferred[RobotParser | None] = Deferred()

        def relay(parser: RobotParser | None) -> RobotParser | None:
            own.callback(parser)
            return parser  # the next waiter gets it too

        pending.addCallback(relay)
        return await maybe_deferred_to_future(own)
