"""News sites: articles found through sitemaps (robots.txt ``Sitemap:`` lines, sitemap indexes,
gzip-compressed and Google News sitemaps), each article page read by crawler.extract.article.

``start_url`` is the site (its robots.txt names the sitemaps; without any, ``/sitemap.xml`` is
tried) or a sitemap itself. robots.txt is read first either way: URLs it disallows are left
out before they are requested. Child sitemaps of taxonomies, tags and authors are skipped, as are
URLs on other hosts and the home page. A sitemap that is really a feed is read as one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.extract.article import ArticleHint
from crawler.extract.feeds import FeedError, looks_like_feed, parse_feed
from crawler.extract.sitemaps import (
    RobotsRules,
    SitemapError,
    lists_articles,
    parse_sitemap,
    robots_sitemaps,
)
from crawler.items import BINARY_OK, UnparsablePage
from spiders.articles import ArticleSpider, content_type_of, same_site

SITEMAP_SUFFIXES = (".xml", ".xml.gz", ".gz", ".txt")


class NewsSpider(ArticleSpider):
    """Sitemaps -> article pages (see the module docstring)."""

    name = "news"

    rules: RobotsRules | None = None  # the site's robots.txt, when it is obeyed

    def start_requests(self) -> Iterator[scrapy.Request]:
        """Mode threads: the given articles; otherwise robots.txt first (its rules keep the
        articles it disallows from being requested at all; its Sitemap: lines)."""
        if self.mode == "threads":
            yield from super().start_requests()
            return
        # dont_obey_robotstxt: the cluster's shared copy answers it (crawler.politeness.robots),
        # as a plain (binary) Response
        yield scrapy.Request(urljoin(self.start_url, "/robots.txt"), callback=self.parse_robots,
                             errback=self.no_robots,
                             meta={"dont_obey_robotstxt": True, BINARY_OK: True})

    def sitemap_request(self, url: str) -> scrapy.Request:
        """The request of one sitemap."""
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.on_error,
                              meta={BINARY_OK: True})  # gzip sitemaps are binary

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        """The given sitemap, else the sitemaps robots.txt names, else ``/sitemap.xml``."""
        text = response.body.decode("utf-8", "replace")
        if self.settings.getbool("ROBOTSTXT_OBEY"):
            agent = (self.settings.get("ROBOTSTXT_USER_AGENT")
                     or self.settings.get("USER_AGENT") or "*")
            self.rules = RobotsRules(text, agent)
        found = robots_sitemaps(text, response.url)
        self.count("pantau/sitemaps_in_robots", len(found))
        yield from self._sitemaps(found)

    def no_robots(self, failure: Failure) -> Iterator[scrapy.Request]:
        """No robots.txt (404, network error): the given sitemap or ``/sitemap.xml``."""
        del failure
        yield from self._sitemaps([])

    def _sitemaps(self, from_robots: list[str]) -> Iterator[scrapy.Request]:
        path = urlsplit(self.start_url).path.lower()
        if path.endswith(SITEMAP_SUFFIXES) or "sitemap" in path:
            from_robots = [self.start_url]
        for url in from_robots or [urljoin(self.start_url, "/sitemap.xml")]:
            yield self.sitemap_request(url)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """A sitemap index (child sitemaps), a URL set (articles) or a feed (its entries)."""
        self.count("pantau/sitemaps")
        content_type = content_type_of(response)
        if looks_like_feed(response.body, content_type):
            yield from self._feed_entries(response)
            return
        try:
            sitemap = parse_sitemap(response.body, response.url)
        except SitemapError as err:
            raise UnparsablePage(str(err)) from None
        for child in sitemap.sitemaps:
            if self.cutoff is not None and child.modified and child.modified < self.cutoff:
                self.count("pantau/sitemaps_too_old")
            elif child.loc and lists_articles(child.loc):
                yield self.sitemap_request(child.loc)
            elif child.loc:
                self.count("pantau/sitemaps_skipped")
        for entry in sitemap.urls:
            if not same_site(entry.loc, self.start_url):
                self.count("pantau/offsite_urls")
                continue
            if urlsplit(entry.loc).path in ("", "/"):
                continue  # the home page is no article
            if self.rules is not None and not self.rules.allowed(entry.loc):
                self.count("pantau/robots_disallowed")
                continue
            yield from self.consider(ArticleHint(
                url=entry.loc, signature=entry.lastmod, title=entry.news_title,
                published=entry.news_published, language=entry.news_language, via="sitemap"))

    def _feed_entries(self, response: Response) -> Iterator[Any]:
        try:
            feed = parse_feed(response.body, response.url, self.timezone)
        except FeedError as err:
            raise UnparsablePage(str(err)) from None
        for entry in feed.entries:
            if entry.url and same_site(entry.url, self.start_url):
                yield from self.consider(ArticleHint(
                    url=entry.url, signature=entry.signature, title=entry.title,
                    published=entry.published, authors=entry.authors,
                    language=entry.language, via="feed"))
