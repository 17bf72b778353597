"""Mastodon timelines through an instance's public API: a hashtag, an account or the public
(local) timeline, with the conversation (context) of every status that is or has a reply.

A full crawl pages back with the Link header's ``max_id``; an incremental crawl asks for the
statuses after the stored cursor (``min_id``) and pages forward with the ``prev`` link.
Parsing is crawler.extract.social.mastodon.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.extract.social import cursor_item, find_cursor, parse_target
from crawler.extract.social.api import parse_json
from crawler.extract.social.mastodon import (
    context_items,
    id_key,
    link_header,
    needs_context,
    original,
    status_item,
)
from crawler.extract.social.targets import mastodon_lookup, mastodon_timeline
from crawler.items import PostItem, UnparsablePage

PAGE_SIZE = 40  # Mastodon's maximum for timelines


class MastodonSpider(scrapy.Spider):
    """One timeline. Arguments: ``start_url`` (https://INSTANCE/tags/TAG, /@USER,
    /public/local or /public), ``known_threads`` (the stored cursor) and ``deep``."""

    name = "mastodon"

    def __init__(self, start_url: str, known_threads: list[dict[str, Any]] | None = None,
                 deep: bool = False, mode: str = "full", **kwargs: Any) -> None:
        super().__init__()
        if mode != "full":
            raise ValueError(f"a mastodon timeline is crawled whole, not in mode {mode!r}")
        self.target = parse_target("mastodon", start_url)
        self.cursor = None if deep else find_cursor(known_threads, self.target.cursor_id)
        self.newest = id_key(self.cursor.key) if self.cursor else (0, "")
        self.seen: set[str] = set()
        self.conversations: set[str] = set()  # URIs whose context was asked for or yielded

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """The timeline's first page, after looking up the account of an ``@user`` timeline."""
        if self.target.name.startswith("@"):
            yield scrapy.Request(mastodon_lookup(self.target), callback=self.parse_account)
        else:
            yield self._timeline(mastodon_timeline(self.target)[0])

    def parse_account(self, response: Response) -> Iterator[scrapy.Request]:
        """The looked-up account: its statuses are the timeline."""
        account = parse_json(response.text)
        if not isinstance(account, dict) or "id" not in account:
            raise UnparsablePage(f"no account in {response.url}")
        path = mastodon_timeline(self.target)[0].replace("{id}", str(account["id"]))
        yield self._timeline(path)

    def _timeline(self, path: str) -> scrapy.Request:
        fixed = mastodon_timeline(self.target)[1]
        query = "&".join(q for q in (fixed, f"limit={PAGE_SIZE}") if q)
        if self.cursor is not None:
            query += f"&min_id={self.cursor.key}"
        return scrapy.Request(f"{self.target.api}{path}?{query}", callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A timeline page: its statuses (and requests for their conversations), the cursor,
        then the next page (older in a full crawl, newer in an incremental one)."""
        statuses = parse_json(response.text)
        if not isinstance(statuses, list):
            raise UnparsablePage(f"not a list of statuses: {response.url}")
        floor = id_key(self.cursor.key) if self.cursor else (0, "")
        fresh = [s for s in statuses if id_key(s["id"]) > floor]
        if not fresh:
            if self.cursor is not None and not self.seen:
                self._count("pantau/threads_unchanged")
            return
        yielded = []
        for status in fresh:
            post = original(status)
            yielded.append(str(post["uri"]))
            if needs_context(status):
                if post["uri"] not in self.conversations:
                    self.conversations.add(str(post["uri"]))
                    yield scrapy.Request(
                        f"{self.target.api}/api/v1/statuses/{post['id']}/context",
                        callback=self.parse_context, errback=self.context_failed,
                        cb_kwargs={"status": status})
            else:
                yield from self._once([status_item(status, self.target.api)])
        newest = max(fresh, key=lambda s: id_key(s["id"]))
        if id_key(newest["id"]) > self.newest:
            self.newest = id_key(newest["id"])
            yield cursor_item(self.target.cursor_id, self.target.site, self.target.name,
                              str(newest["id"]), str(original(newest)["uri"]), yielded,
                              response.url)
        links = link_header((response.headers.get("Link") or b"").decode("latin-1"))
        following = links.get("next") if self.cursor is None else links.get("prev")
        if following:
            yield scrapy.Request(following, callback=self.parse)

    def parse_context(self, response: Response, status: dict[str, Any]) -> Iterator[PostItem]:
        """A status's conversation: every status in it, with thread and parent URIs."""
        context = parse_json(response.text)
        if not isinstance(context, dict):
            raise UnparsablePage(f"not a status context: {response.url}")
        items = context_items(status, context, self.target.api)
        self.conversations.update(item.native_id for item in items)
        yield from self._once(items)

    def context_failed(self, failure: Failure) -> Iterator[PostItem]:
        """A conversation that could not be fetched: the status alone, parent unknown."""
        request = getattr(failure, "request", None)
        if request is not None:
            yield from self._once([status_item(request.cb_kwargs["status"], self.target.api)])

    def _once(self, items: list[PostItem]) -> Iterator[PostItem]:
        for item in items:
            if item.native_id not in self.seen:
                self.seen.add(item.native_id)
                yield item

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
