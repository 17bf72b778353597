"""Feeds (RSS, Atom, JSON Feed): each entry becomes an article.

When the feed carries an entry's whole text (crawler.extract.feeds.FeedEntry.full_content)
the entry is stored as it is; otherwise the article page it links to is fetched and read by
crawler.extract.article. ``start_url`` is the feed, or an HTML page that names its feed with
``<link rel="alternate" type="application/rss+xml">`` (or Atom / JSON Feed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response

from crawler.extract.article import ArticleHint, article_from_entry
from crawler.extract.feeds import FeedError, looks_like_feed, parse_feed
from crawler.items import UnparsablePage
from spiders.articles import ArticleSpider, content_type_of

FEED_LINKS = ('link[rel~="alternate"][type*="rss"]::attr(href), '
              'link[rel~="alternate"][type*="atom"]::attr(href), '
              'link[rel~="alternate"][type*="feed+json"]::attr(href)')


class FeedSpider(ArticleSpider):
    """A feed -> its entries as articles (see the module docstring)."""

    name = "feed"

    def start_requests(self) -> Iterator[scrapy.Request]:
        """Mode threads: the given articles; otherwise the feed."""
        if self.mode == "threads":
            yield from super().start_requests()
            return
        yield scrapy.Request(self.start_url, callback=self.parse_feed, errback=self.on_error)

    def parse_feed(self, response: Response, discovered: bool = False) -> Iterator[Any]:
        """The feed's entries: stored from the feed, or their pages fetched."""
        content_type = content_type_of(response)
        if not looks_like_feed(response.body, content_type):
            link = None if discovered else response.css(FEED_LINKS).get()
            if link is None:
                raise UnparsablePage(f"{response.url} is not an RSS, Atom or JSON feed and "
                                     "names none")
            yield scrapy.Request(urljoin(response.url, link), callback=self.parse_feed,
                                 errback=self.on_error, cb_kwargs={"discovered": True})
            return
        try:
            feed = parse_feed(response.body, response.url, self.timezone)
        except FeedError as err:
            raise UnparsablePage(str(err)) from None
        self.count("pantau/feed_entries", len(feed.entries))
        for entry in feed.entries:
            listed = entry.url or f"{response.url}#{entry.id}"
            hint = ArticleHint(url=listed, signature=entry.signature, title=entry.title,
                               published=entry.published, authors=entry.authors,
                               language=entry.language or feed.language, via="feed")
            if entry.url is None and not entry.id:
                self.count("pantau/feed_entries_unusable")
                continue
            if entry.full_content or entry.url is None:
                if not self.wanted(hint):
                    continue
                article = article_from_entry(entry, response.url)
                article.language = article.language or feed.language
                if article.body_text:
                    yield from self.emit(article, hint)
                continue
            yield from self.consider(hint)
