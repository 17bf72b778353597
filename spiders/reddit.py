"""Reddit subreddits through the OAuth API only: ``/r/<sub>/new`` and each submission's
``/comments``. Requests carry ``meta["reddit_api"]``; crawler.social_auth.RedditOAuth adds the
bearer token (client credentials from PANTAU_REDDIT_CLIENT_ID/SECRET, never seen here).

A full crawl pages ``/new`` to its end with ``after``; an incremental crawl stops at the first
submission not newer than the stored cursor. Parsing is crawler.extract.social.reddit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawler.extract.social import cursor_item, find_cursor, parse_target
from crawler.extract.social.api import parse_json
from crawler.extract.social.reddit import comment_items, id_number, listing, submission_item
from crawler.items import PostItem, UnparsablePage

PAGE_SIZE = 100  # the API's maximum
COMMENT_LIMIT = 500


class RedditSpider(scrapy.Spider):
    """One subreddit. Arguments: ``start_url`` (https://www.reddit.com/r/SUB),
    ``known_threads`` (the stored cursor) and ``deep``."""

    name = "reddit"

    def __init__(self, start_url: str, known_threads: list[dict[str, Any]] | None = None,
                 deep: bool = False, mode: str = "full", **kwargs: Any) -> None:
        super().__init__()
        if mode != "full":
            raise ValueError(f"a subreddit is crawled whole, not in mode {mode!r}")
        self.target = parse_target("reddit", start_url)
        self.cursor = None if deep else find_cursor(known_threads, self.target.cursor_id)
        self.moved = False

    def api_request(self, path: str, callback: Any, **query: Any) -> scrapy.Request:
        """A request to the OAuth API (the middleware authorizes it)."""
        url = f"{self.target.api}{path}?{urlencode({**query, 'raw_json': 1})}"
        return scrapy.Request(url, callback=callback, meta={"reddit_api": True})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """The newest submissions."""
        yield self.api_request(f"/{self.target.name}/new", self.parse, limit=PAGE_SIZE)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A page of /new: its submissions newer than the cursor, their comments, the cursor,
        the next page."""
        try:
            children, after = listing(parse_json(response.text))
        except ValueError as err:
            raise UnparsablePage(f"{err}: {response.url}") from None
        floor = int(self.cursor.key) if self.cursor else 0
        fresh = [c["data"] for c in children
                 if c.get("kind") == "t3" and id_number(c["data"]["name"]) > floor]
        for data in fresh:
            yield submission_item(data, self.target.web)
            if data.get("num_comments"):
                yield self.api_request(f"/{self.target.name}/comments/{data['id']}",
                                       self.parse_comments, limit=COMMENT_LIMIT, sort="old")
        if not fresh:
            if self.cursor is not None and not self.moved:
                self._count("pantau/threads_unchanged")
            return
        if not self.moved:  # /new is newest first: the first page holds the newest
            self.moved = True
            newest = max(fresh, key=lambda d: id_number(d["name"]))
            yield cursor_item(self.target.cursor_id, self.target.site, self.target.name,
                              str(id_number(newest["name"])), newest["name"],
                              [d["name"] for d in fresh], response.url)
        if after and len(fresh) == len(children):
            yield self.api_request(f"/{self.target.name}/new", self.parse, limit=PAGE_SIZE,
                                   after=after)

    def parse_comments(self, response: Response) -> Iterator[PostItem]:
        """A submission's comment tree (comments behind "more" links are counted, not
        fetched)."""
        try:
            items, more = comment_items(parse_json(response.text), self.target.web)
        except ValueError as err:
            raise UnparsablePage(f"{err}: {response.url}") from None
        if more and self.crawler.stats is not None:
            self.crawler.stats.inc_value("pantau/reddit_comments_not_fetched", more)
        yield from items

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
