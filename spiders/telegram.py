"""Telegram public channels through the web preview: https://t.me/s/<channel>.

A full (deep or first) crawl pages backwards from the newest messages with ``?before=``; an
incremental crawl pages forwards with ``?after=`` from the newest message it stored before.
Parsing is crawler.extract.social.telegram.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.extract.social import cursor_item, find_cursor, parse_target
from crawler.extract.social.telegram import message_number, parse_channel_page
from crawler.items import PostItem, ThreadItem


class TelegramSpider(scrapy.Spider):
    """One public channel. Arguments: ``start_url`` (https://t.me/s/CHANNEL), ``known_threads``
    (the stored cursor) and ``deep`` (ignore the cursor and page back through the history);
    the other CrawlSpec arguments are accepted and unused."""

    name = "telegram"

    def __init__(self, start_url: str, known_threads: list[dict[str, Any]] | None = None,
                 deep: bool = False, mode: str = "full", **kwargs: Any) -> None:
        super().__init__()
        if mode != "full":
            raise ValueError(f"a telegram channel is crawled whole, not in mode {mode!r}")
        self.target = parse_target("telegram", start_url)
        self.cursor = None if deep else find_cursor(known_threads, self.target.cursor_id)
        self.newest = int(self.cursor.key) if self.cursor else 0
        self.seen: set[str] = set()

    @property
    def channel_url(self) -> str:
        """The channel's preview page."""
        return f"{self.target.api}/s/{self.target.name}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """The newest page, or the page after the stored cursor."""
        url = self.channel_url if self.cursor is None else (
            f"{self.channel_url}?after={self.cursor.key}")
        yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A preview page: its new messages, the cursor, then the next page that way."""
        page = parse_channel_page(response.text, response.url)
        floor = int(self.cursor.key) if self.cursor else 0
        fresh = [m for m in page.messages
                 if m.native_id not in self.seen and message_number(m.native_id) > floor]
        for message in fresh:
            self.seen.add(message.native_id)
            yield message
        if not fresh:
            if self.cursor is not None and not self.seen:
                self._count("pantau/threads_unchanged")
            return
        yield from self._move_cursor(fresh, page.title, response.url)
        following = page.older_url if self.cursor is None else page.newer_url
        if following:
            yield scrapy.Request(following, callback=self.parse)

    def _move_cursor(self, fresh: list[PostItem], title: str | None,
                     page_url: str) -> Iterator[ThreadItem]:
        newest = max(fresh, key=lambda m: message_number(m.native_id))
        if message_number(newest.native_id) <= self.newest:
            return
        self.newest = message_number(newest.native_id)
        yield cursor_item(self.target.cursor_id, self.target.site, title, str(self.newest),
                          newest.native_id, [m.native_id for m in fresh], page_url)

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
