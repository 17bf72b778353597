"""Bluesky author feeds through the public AppView (https://public.api.bsky.app/xrpc/...),
with the replies of every post that has some (getPostThread).

A full crawl pages the author feed to its end with ``cursor``; an incremental crawl stops at
the first entry not newer than the stored cursor. Parsing is crawler.extract.social.bluesky.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawler.extract.social import cursor_item, find_cursor, parse_target
from crawler.extract.social.api import api_time, parse_json
from crawler.extract.social.bluesky import feed_time, post_item, thread_replies
from crawler.items import PostItem, UnparsablePage

PAGE_SIZE = 100  # getAuthorFeed's maximum
THREAD_DEPTH = 1000  # getPostThread's maximum: every reply


class BlueskySpider(scrapy.Spider):
    """One author's feed. Arguments: ``start_url`` (https://bsky.app/profile/HANDLE or DID),
    ``known_threads`` (the stored cursor) and ``deep``."""

    name = "bluesky"

    def __init__(self, start_url: str, known_threads: list[dict[str, Any]] | None = None,
                 deep: bool = False, mode: str = "full", **kwargs: Any) -> None:
        super().__init__()
        if mode != "full":
            raise ValueError(f"a bluesky feed is crawled whole, not in mode {mode!r}")
        self.target = parse_target("bluesky", start_url)
        self.cursor = None if deep else find_cursor(known_threads, self.target.cursor_id)
        self.seen: set[str] = set()
        self.moved = False

    def feed_url(self, cursor: str | None = None) -> str:
        """A page of the author feed."""
        query = {"actor": self.target.name, "limit": PAGE_SIZE}
        if cursor:
            query["cursor"] = cursor
        return f"{self.target.api}/xrpc/app.bsky.feed.getAuthorFeed?{urlencode(query)}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """The newest page of the feed."""
        yield scrapy.Request(self.feed_url(), callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A feed page: its posts not older than the cursor, their threads, the next page."""
        page = parse_json(response.text)
        if not isinstance(page, dict) or not isinstance(page.get("feed"), list):
            raise UnparsablePage(f"not an author feed: {response.url}")
        entries = page["feed"]
        floor = api_time(self.cursor.key) if self.cursor else None
        fresh = [e for e in entries if floor is None or _when(e) > floor]
        for entry in fresh:
            post = entry["post"]
            yield from self._once([post_item(post, self.target.web)])
            if post.get("replyCount"):
                query = urlencode({"uri": post["uri"], "depth": THREAD_DEPTH, "parentHeight": 0})
                yield scrapy.Request(
                    f"{self.target.api}/xrpc/app.bsky.feed.getPostThread?{query}",
                    callback=self.parse_thread)
        if not fresh:
            if self.cursor is not None and not self.seen:
                self._count("pantau/threads_unchanged")
            return
        if not self.moved:  # the feed is newest first: its first page holds the newest entry
            self.moved = True
            newest = max(fresh, key=_when)
            yield cursor_item(self.target.cursor_id, self.target.site, self.target.name,
                              feed_time(newest), newest["post"]["uri"],
                              [e["post"]["uri"] for e in fresh], response.url)
        if page.get("cursor") and len(fresh) == len(entries):
            yield scrapy.Request(self.feed_url(page["cursor"]), callback=self.parse)

    def parse_thread(self, response: Response) -> Iterator[PostItem]:
        """A post's thread: every reply below it."""
        data = parse_json(response.text)
        thread = data.get("thread") if isinstance(data, dict) else None
        if not isinstance(thread, dict):
            raise UnparsablePage(f"not a post thread: {response.url}")
        yield from self._once(thread_replies(thread, self.target.web))

    def _once(self, items: list[PostItem]) -> Iterator[PostItem]:
        for item in items:
            if item.native_id not in self.seen:
                self.seen.add(item.native_id)
                yield item

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


def _when(entry: dict[str, Any]) -> datetime:
    """An entry's feed time; one without a time sorts first."""
    return api_time(feed_time(entry)) or datetime.min.replace(tzinfo=UTC)
