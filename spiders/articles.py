"""What the feed and news spiders share: which listed articles to fetch, and article pages.

A feed or a sitemap lists articles (:class:`ArticleHint`: the listed URL and its lastmod or
update time). An incremental crawl (``known_threads`` given, not ``deep``) fetches only the
articles not stored yet and those whose listed signature changed; every fetched article is
stored as its posts plus a ThreadItem whose signature is the listed one, so the next crawl
knows it. Mode ``discover`` yields ThreadRefs instead of fetching; mode ``threads`` fetches
exactly the given article URLs (sharded runs).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.extract.article import Article, ArticleHint, article_id, article_items, extract_article
from crawler.extract.article_dates import parse_iso_date
from crawler.extract.engines import Page, ParseContext
from crawler.extract.urls import canonicalize_url
from crawler.items import SPIDER_MODES, ThreadItem, ThreadRef


def content_type_of(response: Response) -> str:
    """The response's Content-Type ("" when it has none)."""
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else ""


def listed_key(url: str) -> str:
    """How a listed article is recognized: its canonical URL; an id of an entry without a web
    page (``FEED#guid``) as it is."""
    if "#" in url or not url.startswith(("http://", "https://")):
        return url
    return canonicalize_url(url)


def same_site(url: str, start_url: str) -> bool:
    """True when ``url`` is on the start URL's host (``www.`` ignored)."""
    def host(u: str) -> str:
        return (urlsplit(u).hostname or "").removeprefix("www.")

    return host(url) == host(start_url) and urlsplit(url).scheme in ("http", "https")


class ArticleSpider(scrapy.Spider):
    """Base of the feed and news spiders (no ``name``: Scrapy does not list it).

    Arguments as the forum spider's: ``start_url``, ``timezone``, ``mode`` and ``urls``,
    ``known_threads`` (stored articles: native_id, url, signature, ...), ``deep`` (fetch
    every listed article again), ``signatures`` (mode threads: URL -> listed signature) and
    ``max_age`` (seconds: articles listed as changed longer ago are left out).
    """

    def __init__(self, start_url: str, timezone: str = "Asia/Jakarta", mode: str = "full",
                 urls: list[str] | None = None, known_threads: list[dict[str, Any]] | None = None,
                 deep: bool = False, signatures: dict[str, str] | None = None,
                 max_age: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in SPIDER_MODES:
            raise ValueError(f"unknown mode {mode!r} (one of {SPIDER_MODES})")
        self.start_url = start_url.strip()
        self.timezone = timezone
        ZoneInfo(timezone)  # a typo fails here, before any request
        self.mode = mode
        self.urls = list(urls or [])
        self.deep = deep
        self.signatures = dict(signatures or {})
        self.cutoff = (datetime.now(UTC) - timedelta(seconds=max_age)) if max_age else None
        rows = known_threads or []
        self.known_by_url = {row["url"]: row for row in rows if row.get("url")}
        self.known_by_id = {row["native_id"]: row for row in rows if row.get("native_id")}
        # Articles fetched in this run whose listing gave no signature (a news sitemap has no
        # lastmod): when another listing (the full sitemap) gives one, it is stored instead.
        self.unsigned: dict[str, ArticleHint] = {}
        self.unsigned_threads: dict[str, ThreadItem] = {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """The start requests (Scrapy 2.13+)."""
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        """Mode threads: the given articles; otherwise the listing (subclasses)."""
        for url in self.urls:
            yield self.article_request(ArticleHint(url=url, signature=self.signatures.get(url)))

    def context(self) -> ParseContext:
        """The parse context of a page fetched now."""
        return ParseContext(timezone=self.timezone, now=datetime.now(ZoneInfo(self.timezone)))

    # -- listed articles ------------------------------------------------------------------

    def too_old(self, when: datetime | None) -> bool:
        """True when ``when`` (a listed last change) is before the ``max_age`` cutoff."""
        if self.cutoff is None or when is None or self.cutoff <= when:
            return False
        self.count("pantau/articles_too_old")
        return True

    def wanted(self, hint: ArticleHint) -> bool:
        """False for an article stored before whose listed signature has not changed, and
        for one listed as changed before the ``max_age`` cutoff."""
        if self.too_old(parse_iso_date(hint.signature, "UTC") or hint.published):
            return False
        if self.deep:
            return True
        listed = listed_key(hint.url)
        known = self.known_by_url.get(listed) or self.known_by_id.get(listed)
        if known is None and listed.startswith(("http://", "https://")) and "#" not in listed:
            known = self.known_by_id.get(article_id(listed))  # stored under its canonical URL
        if known is None:
            return True
        if hint.signature is None or hint.signature == known.get("signature"):
            self.count("pantau/threads_unchanged")
            return False
        self.count("pantau/articles_changed")
        return True

    def consider(self, hint: ArticleHint) -> Iterator[Any]:
        """Fetch a listed article if it is wanted (or, in mode discover, plan it)."""
        key = listed_key(hint.url)
        if key in self.unsigned:  # listed twice in this run: keep the signature one gives
            yield from self._sign(key, hint.signature)
            return
        if not self.wanted(hint):
            return
        if hint.signature is None:
            self.unsigned[key] = hint
        if self.mode == "discover":
            self.count("pantau/articles_listed")
            yield ThreadRef(native_id=article_id(hint.url), url=listed_key(hint.url),
                            signature=hint.signature)
            return
        yield self.article_request(hint)

    def _sign(self, key: str, signature: str | None) -> Iterator[ThreadItem]:
        if signature is None:
            return
        self.unsigned.pop(key).signature = signature  # its request is still to come, or
        thread = self.unsigned_threads.pop(key, None)
        if thread is not None:  # it was stored already: store it again, signed
            thread.signature = signature
            yield thread

    def article_request(self, hint: ArticleHint) -> scrapy.Request:
        """The request of an article page."""
        return scrapy.Request(hint.url, callback=self.parse_article, errback=self.on_error,
                              cb_kwargs={"hint": hint})

    # -- article pages --------------------------------------------------------------------

    def parse_article(self, response: Response, hint: ArticleHint) -> Iterator[Any]:
        """An article page: the article, its comments and the record of it."""
        page = Page(url=response.url, text=response.text, status=response.status,
                    headers={"content-type": content_type_of(response)})
        article = extract_article(page, self.context(), hint)
        if article is None:
            self.count("pantau/not_articles")
            self.logger.info("no article text on %s", response.url)
            return
        yield from self.emit(article, hint)

    def emit(self, article: Article, hint: ArticleHint) -> Iterator[Any]:
        """The article's posts and the ThreadItem an incremental crawl recognizes it by."""
        key = listed_key(hint.url)
        posts, thread = article_items(article, key, hint.signature)
        self.count("pantau/articles")
        if hint.signature is None and key in self.unsigned:
            self.unsigned_threads[key] = thread
        yield from posts
        yield thread

    def on_error(self, failure: Failure) -> None:
        """A listed page that could not be fetched (recorded by FailureRecorder); it is not
        stored, so the next crawl tries it again."""
        self.count("pantau/articles_failed")

    def count(self, key: str, value: int = 1) -> None:
        """Add to a crawl statistic."""
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, value)
