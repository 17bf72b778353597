"""The generic forum spider: fetches pages and lets an engine adapter say what each one holds.

Engine adapters (crawler/extract/engines/) parse; this spider only navigates: board lists ->
thread lists (with their pagination) -> every page of every thread. Engine spiders in this
package are subclasses that name their engine. An incremental crawl (``known_threads`` given
and not ``deep``) skips threads whose listing signature is unchanged, resumes changed threads at
their last known page, and stops paging a thread list at the first page without news.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.extract.engines import (
    Engine,
    KnownThread,
    Page,
    PageResult,
    ParseContext,
    ThreadInfo,
    ThreadLink,
    detect_engine,
    engine_named,
)
from crawler.extract.engines.selectors import SelectorEngine
from crawler.extract.urls import canonicalize_url
from crawler.items import (
    NEXT_PAGE,
    SPIDER_MODES,
    PostItem,
    ThreadItem,
    ThreadRef,
    UnparsablePage,
)

# Later pages of a thread jump the queue: a thread is judged only once all its pages are in.
NEXT_PAGE_PRIORITY = 10


@dataclass(slots=True)
class ThreadCrawl:
    """One thread being fetched page by page (carried from each page to the next)."""

    link: ThreadLink | None
    complete: bool  # started at the first page: the post list will be the whole thread
    offset: int = 0  # posts before the current page
    pages: int = 0
    ids: list[str] = field(default_factory=list)
    by_position: dict[int, str] = field(default_factory=dict)
    info: ThreadInfo = field(default_factory=ThreadInfo)
    resume: KnownThread | None = None  # set while the first resumed page is not parsed yet


def _known(rows: list[dict[str, Any]] | None) -> list[KnownThread]:
    return [KnownThread(**row) for row in rows or []]


class ForumSpider(scrapy.Spider):
    """Crawls a forum from its index, a board or a thread URL with one engine adapter.

    Arguments: ``start_url``; ``engine`` (an adapter name, or "auto" to detect it from the
    first page); ``selectors`` (a no-code adapter's selectors, instead of an engine);
    ``timezone`` (IANA zone the site shows times in); ``mode`` and ``urls`` as in
    crawler.items' SPIDER_MODES; ``known_threads`` (what earlier crawls stored, as
    KnownThread dicts) and ``deep`` (re-fetch every page of every thread, judging deletions)
    for incremental crawls; ``signatures`` (thread URL -> listing signature) for mode threads.
    """

    name = "forum"
    engine_name = "auto"
    # Next pages carry meta[NEXT_PAGE], so crawler.bounds.traps may cap the depth of all
    # other links (PANTAU_MAX_LINK_DEPTH) without cutting long lists short.
    marks_next_pages = True

    def __init__(self, start_url: str, timezone: str = "Asia/Jakarta", mode: str = "full",
                 urls: list[str] | None = None, engine: str | None = None,
                 selectors: dict[str, Any] | None = None,
                 known_threads: list[dict[str, Any]] | None = None, deep: bool = False,
                 signatures: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in SPIDER_MODES:
            raise ValueError(f"unknown mode {mode!r} (one of {SPIDER_MODES})")
        self.start_url = canonicalize_url(start_url)
        self.timezone = timezone
        ZoneInfo(timezone)  # a typo fails here, before any request
        self.mode = mode
        self.urls = [canonicalize_url(url) for url in urls or []]
        self.deep = deep
        self.signatures = dict(signatures or {})
        known = _known(known_threads)
        self.known = {k.native_id: k for k in known}
        self.known_by_url = {k.url: k for k in known if k.url}
        self.adapter: Engine | None = None
        if selectors:
            self.adapter = SelectorEngine.from_config(selectors)
        else:
            name = engine or self.engine_name
            if name != "auto":
                self.adapter = engine_named(name)

    @property
    def incremental(self) -> bool:
        """True when threads unchanged since the last crawl are skipped."""
        return bool(self.known) and not self.deep

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """The start requests (Scrapy 2.13+)."""
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        """Mode threads: the given threads; otherwise the engine's start URL."""
        if self.mode == "threads":
            for url in self.urls:
                link = ThreadLink(url=url, signature=self.signatures.get(url))
                known = self.known_by_url.get(url)
                if known is not None:
                    link.native_id = known.native_id
                yield self._thread_request(link, known)
            return
        url = self.adapter.start_url(self.start_url) if self.adapter else self.start_url
        yield scrapy.Request(url, callback=self.parse, errback=self.on_error)

    # -- pages ----------------------------------------------------------------------------------

    def context(self) -> ParseContext:
        """The parse context of a page fetched now."""
        return ParseContext(timezone=self.timezone, now=datetime.now(ZoneInfo(self.timezone)))

    def parse(self, response: Response, thread: ThreadCrawl | None = None,
              **kwargs: Any) -> Iterator[Any]:
        """Any page: ask the engine what it holds and follow it."""
        page = Page(url=response.url, text=response.text, status=response.status,
                    headers=_headers(response))
        if self.adapter is None:
            yield from self._detect(page)
            return
        result = self.adapter.parse(page, self.context())
        if thread is not None or result.kind == "thread":
            yield from self._thread_page(response, result, thread)
        else:
            yield from self._listing(result)

    def _detect(self, page: Page) -> Iterator[scrapy.Request]:
        engine, reason = detect_engine(page)
        self.adapter = engine
        self.logger.info("detected forum engine %s (%s)", engine.name, reason)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("pantau/engine", engine.name)
            self.crawler.stats.set_value("pantau/engine_reason", reason)
        # Parse this page again with the engine (an API engine starts elsewhere).
        url = engine.start_url(self.start_url) if self.mode != "threads" else page.url
        yield scrapy.Request(url, callback=self.parse, errback=self.on_error, dont_filter=True)

    def _listing(self, result: PageResult) -> Iterator[Any]:
        for url in result.boards:
            yield scrapy.Request(url, callback=self.parse, errback=self.on_error)
        changed = unchanged = 0
        for link in result.threads:
            known = self.known.get(link.native_id or "") or self.known_by_url.get(link.url)
            if self._unchanged(link, known):
                unchanged += not link.sticky
                self._count("pantau/threads_unchanged")
                continue
            changed += not link.sticky
            if self.mode == "discover":
                if link.native_id:
                    yield ThreadRef(native_id=link.native_id, url=link.url,
                                    container=link.container, signature=link.signature)
            else:
                yield self._thread_request(link, known)
        # Thread lists come newest activity first: a page with nothing new ends the list.
        stop = (self.incremental and self.adapter is not None and self.adapter.lists_by_activity
                and unchanged and not changed)
        if result.next_url and not stop:
            yield scrapy.Request(result.next_url, callback=self.parse, errback=self.on_error,
                                 meta={NEXT_PAGE: True})

    def _unchanged(self, link: ThreadLink, known: KnownThread | None) -> bool:
        return (self.incremental and known is not None and link.signature is not None
                and known.signature == link.signature)

    def _thread_request(self, link: ThreadLink, known: KnownThread | None) -> scrapy.Request:
        if known is not None and not self.deep and self.adapter is not None:
            url = self.adapter.resume_url(known)
            if url:
                crawl = ThreadCrawl(link, complete=False, resume=known,
                                    offset=max((known.last_page_position or 1) - 1, 0))
                return scrapy.Request(url, callback=self.parse, errback=self.on_error,
                                      cb_kwargs={"thread": crawl}, dont_filter=True)
        return scrapy.Request(link.url, callback=self.parse, errback=self.on_error,
                              cb_kwargs={"thread": ThreadCrawl(link, complete=True)})

    # -- thread pages ---------------------------------------------------------------------------

    def _thread_page(self, response: Response, result: PageResult,
                     crawl: ThreadCrawl | None) -> Iterator[Any]:
        if crawl is None:  # a thread page reached without a listing (start URL or link)
            crawl = ThreadCrawl(None, complete=True)
        _merge(crawl.info, result.thread, crawl.link)
        if not result.posts:
            raise UnparsablePage(f"no posts on thread page {response.url}")
        if crawl.resume is not None:
            restart = self._align(crawl, result.posts)
            if restart is not None:
                yield restart
                return
        crawl.pages += 1
        first = None
        for item in result.posts:
            position = item.position or crawl.offset + 1
            item.position = position
            crawl.offset = position
            first = first or position
            crawl.ids.append(item.native_id)
            crawl.by_position[position] = item.native_id
            item.thread_native_id = item.thread_native_id or crawl.info.native_id
            item.thread_title = item.thread_title or crawl.info.title
            item.container = item.container or crawl.info.container
            if item.parent_native_id is None and item.reply_to_position is not None:
                item.parent_native_id = crawl.by_position.get(item.reply_to_position)
            yield item
        if result.next_url:
            yield scrapy.Request(result.next_url, callback=self.parse, errback=self.on_error,
                                 priority=NEXT_PAGE_PRIORITY, cb_kwargs={"thread": crawl},
                                 meta={NEXT_PAGE: True})
            return
        if crawl.info.native_id is None:
            return
        link = crawl.link
        yield ThreadItem(
            native_id=crawl.info.native_id,
            url=crawl.info.url or (link.url if link else canonicalize_url(response.url)),
            title=crawl.info.title, container=crawl.info.container,
            post_native_ids=crawl.ids, pages=crawl.pages, complete=crawl.complete,
            signature=link.signature if link else None,
            last_page_url=canonicalize_url(response.url), last_page_position=first,
            post_count=crawl.offset, last_post_native_id=crawl.ids[-1],
        )

    def _align(self, crawl: ThreadCrawl, posts: list[PostItem]) -> scrapy.Request | None:
        """Place the first resumed page: the last known post keeps its stored position.

        When that post is not on the page (posts were removed before it), the thread is
        fetched again from its first page, completely.
        """
        known = crawl.resume
        crawl.resume = None
        assert known is not None
        ids = [p.native_id for p in posts]
        if known.last_post_native_id in ids and all(p.position is None for p in posts):
            crawl.offset = known.post_count - 1 - ids.index(known.last_post_native_id)
            return None
        if known.last_post_native_id in ids or posts[0].position is not None:
            return None
        self._count("pantau/threads_refetched")
        link = crawl.link or ThreadLink(url=known.url or "")
        return scrapy.Request(link.url, callback=self.parse, errback=self.on_error,
                              dont_filter=True,
                              cb_kwargs={"thread": ThreadCrawl(link, complete=True)})

    # -- failures -------------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        """An HTTP error on a URL the engine can replace (e.g. an API switched off), or such
        a URL refused by robots.txt (treated as HTTP 403)."""
        if self.adapter is None:
            return
        request: scrapy.Request = getattr(failure, "request", None) or scrapy.Request("about:x")
        if isinstance(failure.value, HttpError):
            url, status = failure.value.response.url, failure.value.response.status
        elif failure.check(IgnoreRequest) and request.url.startswith("http"):
            url, status = request.url, 403
        else:
            return
        fallback = self.adapter.fallback_url(url, status)
        if fallback:
            self.logger.info("%s answered %s; using %s", url, status, fallback)
            yield scrapy.Request(fallback, callback=self.parse, errback=self.on_error,
                                 cb_kwargs=request.cb_kwargs)

    def _count(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)


def _headers(response: Response) -> dict[str, str]:
    """Response headers as lower-case names and (last) string values."""
    out = {}
    for name, values in response.headers.items():
        value = values[-1] if isinstance(values, list) and values else values
        out[name.decode("latin-1").lower()] = (
            value.decode("latin-1") if isinstance(value, bytes) else str(value))
    return out


def _merge(info: ThreadInfo, found: ThreadInfo | None, link: ThreadLink | None) -> None:
    """Fill what is still unknown of a thread from a page, then from its listing link."""
    for source in (found, link):
        if source is None:
            continue
        info.native_id = info.native_id or source.native_id
        info.title = info.title or source.title
        info.container = info.container or source.container
        if isinstance(source, ThreadInfo):
            info.url = info.url or source.url
