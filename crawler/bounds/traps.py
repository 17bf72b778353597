"""Endless pagination, calendar traps and pages that are not what was asked for.

``PagingGuard`` is a spider middleware. Spiders mark a request that continues the list or
thread of the page it came from with ``meta[NEXT_PAGE]`` (``crawler.items.NEXT_PAGE``); the
pages linked that way form a *chain*. A chain stops, recorded as kind ``trap``, when

- the next page is a URL the chain already fetched (canonical URLs: a new session id
  does not make a page new);
- a page showed nothing the chain had not already shown (no new post, thread or link):
  the site answers every page number with the same page;
- it reaches PANTAU_MAX_PAGES_PER_THREAD pages.

In spiders that mark their next pages (``marks_next_pages = True``, the forum spider), every
other link counts one level of *link depth* (next pages do not); a link deeper than
PANTAU_MAX_LINK_DEPTH is dropped and recorded as ``trap`` (a calendar whose every month
links the next one). Spiders that do not mark next pages keep unlimited depth: their
pagination would count as depth. It also records, as ``unexpected_content``, a page that is not text
(an image or a download where a page was linked; a request marked
``meta[BINARY_OK]``, such as a gzip sitemap, may be binary) and an API URL answered with
HTML (an error page, a login wall or a bot challenge instead of JSON).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector

from crawler.extract.urls import canonicalize_url
from crawler.items import BINARY_OK, NEXT_PAGE, PostItem, ThreadRef
from crawler.middlewares import record_error

TRAP, UNEXPECTED = "trap", "unexpected_content"
CHAIN = "pantau_chain"  # request.meta: the Chain a next-page request continues
LINK_DEPTH = "pantau_link_depth"  # request.meta: links followed from a start request
_API_MARKS = ("/api/", "/wp-json/", "rest_route=")


class NotAPage(Exception):
    """A response the spider cannot read as a page (recorded, then sent to the errback)."""


@dataclass(slots=True)
class Chain:
    """The pages of one list or thread, followed by their next links."""

    start: str
    urls: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)  # posts, threads and links shown so far
    pages: int = 1


def _key(output: Any) -> str | None:
    if isinstance(output, PostItem):
        return f"post {output.native_id}"
    if isinstance(output, ThreadRef):
        return f"thread {output.url}"
    if isinstance(output, Request):
        return f"link {canonicalize_url(output.url)}"
    return None  # ThreadItems and the like say nothing about a page's novelty


def expects_json(url: str) -> bool:
    """True for API URLs (``….json``, ``/api/``, ``/wp-json/``) whose answer must be JSON."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    return path.endswith(".json") or any(mark in url for mark in _API_MARKS)


class PagingGuard:
    """Spider middleware: bounds chains of next pages and link depth; checks page types."""

    def __init__(self, stats: StatsCollector | None, max_pages: int, max_depth: int,
                 crawler: Crawler | None = None) -> None:
        self.stats = stats
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PagingGuard:
        settings = crawler.settings
        return cls(crawler.stats, settings.getint("PANTAU_MAX_PAGES_PER_THREAD", 2000),
                   settings.getint("PANTAU_MAX_LINK_DEPTH", 12), crawler)

    @property
    def caps_depth(self) -> bool:
        """True when the crawl's spider marks its next pages (else depth is not capped)."""
        spider = getattr(self.crawler, "spider", None) if self.crawler else None
        return self.crawler is None or bool(getattr(spider, "marks_next_pages", False))

    def process_spider_input(self, response: Response, spider: Any = None) -> None:
        """Record a page that is not text, or HTML where an API's JSON was asked for."""
        if not isinstance(response, TextResponse) and not response.meta.get(BINARY_OK):
            kind = (response.headers.get(b"Content-Type") or b"no Content-Type").decode(
                "latin-1", "replace")
            message = f"not a text page ({kind}, {len(response.body)} bytes)"
            record_error(self.stats, UNEXPECTED, response.url, message)
            raise NotAPage(message)
        if expects_json(response.url) and response.text.lstrip()[:1] == "<":
            record_error(self.stats, UNEXPECTED, response.url,
                         "an API URL answered with HTML, not JSON (an error page, a login "
                         "wall or a bot challenge?)")

    def process_spider_output(self, response: Response, result: Iterable[Any],
                              spider: Any = None) -> Iterable[Any]:
        """Pass the page's output on; hold its next-page requests back until it is judged."""
        watch = _PageWatch(self, response)
        for output in result:
            if watch.take(output):
                yield output
        yield from watch.next_pages()

    async def process_spider_output_async(self, response: Response,
                                          result: AsyncIterator[Any],
                                          spider: Any = None) -> AsyncIterator[Any]:
        """The same for asynchronous callbacks."""
        watch = _PageWatch(self, response)
        async for output in result:
            if watch.take(output):
                yield output
        for request in watch.next_pages():
            yield request

    def trap(self, url: str, message: str) -> None:
        """Record one stopped chain or dropped link."""
        record_error(self.stats, TRAP, url, message)


class _PageWatch:
    """The output of one page: what it showed new, and its held-back next pages."""

    def __init__(self, guard: PagingGuard, response: Response) -> None:
        self.guard = guard
        self.response = response
        self.depth = int(response.meta.get(LINK_DEPTH, 0))
        self.chain: Chain = response.meta.get(CHAIN) or Chain(
            start=response.url, urls={canonicalize_url(response.url)})
        self.new = False
        self.held: list[Request] = []
        self.capped = guard.caps_depth

    def take(self, output: Any) -> bool:
        """Note one output; False holds it back (a next page) or drops it (too deep)."""
        if isinstance(output, Request) and output.meta.get(NEXT_PAGE):
            self.held.append(output)
            return False
        if isinstance(output, Request):
            if self.capped and self.depth + 1 > self.guard.max_depth:
                self.guard.trap(output.url, f"more than {self.guard.max_depth} links away "
                                f"from the start page (from {self.response.url}); not followed")
                return False
            output.meta.setdefault(LINK_DEPTH, self.depth + 1)
        key = _key(output)
        if key is not None and key not in self.chain.seen:
            self.chain.seen.add(key)
            self.new = True
        return True

    def next_pages(self) -> list[Request]:
        """The next pages worth fetching; the others are recorded as traps."""
        chain, passed = self.chain, []
        for request in self.held:
            url = canonicalize_url(request.url)
            if url in chain.urls:
                self.guard.trap(request.url, f"the next page of {self.response.url} repeats a "
                                f"page of the same list or thread (started at {chain.start})")
            elif not self.new:
                self.guard.trap(request.url, f"{self.response.url} showed nothing new, yet "
                                f"links a next page (list or thread started at {chain.start})")
            elif chain.pages >= self.guard.max_pages:
                self.guard.trap(request.url, f"more than {self.guard.max_pages} pages in the "
                                f"list or thread started at {chain.start}; stopped")
            else:
                chain.urls.add(url)
                chain.pages += 1
                request.meta[CHAIN] = chain
                request.meta[LINK_DEPTH] = self.depth
                passed.append(request)
        return passed
