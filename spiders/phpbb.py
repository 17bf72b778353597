"""phpBB 3 (prosilver and derived styles): index -> boards -> topic lists -> topic pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from crawler.extract import canonicalize_url, extract_body, parse_forum_date, query_param
from crawler.items import (
    SPIDER_MODES,
    PostItem,
    ThreadItem,
    ThreadRef,
    UnparsablePage,
    normalize_text,
)

# Later pages of a topic jump the queue: a thread is judged only once all its pages are in.
NEXT_PAGE_PRIORITY = 10


def _script(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


class PhpbbSpider(scrapy.Spider):
    """Crawls a phpBB 3 board from its index, a board (viewforum) or a topic (viewtopic) URL.

    Arguments: ``start_url`` and ``timezone`` (IANA name of the board time zone, which pages
    rarely state; default Asia/Jakarta); ``mode`` and ``urls`` as in crawler.items'
    SPIDER_MODES. Yields a PostItem per post and, after the last page of a topic, a
    ThreadItem with the native ids of all its posts (mode "discover": a ThreadRef per topic).
    """

    name = "phpbb"

    def __init__(self, start_url: str, timezone: str = "Asia/Jakarta", mode: str = "full",
                 urls: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in SPIDER_MODES:
            raise ValueError(f"unknown mode {mode!r} (one of {SPIDER_MODES})")
        self.start_url = canonicalize_url(start_url)
        self.timezone = timezone
        self.mode = mode
        self.urls = [canonicalize_url(url) for url in urls or []]

    async def start(self) -> Any:
        """The one start request, routed by the script name of ``start_url``."""
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        """Same as :meth:`start` for Scrapy versions before 2.13."""
        if self.mode == "threads":
            yield from (self._topic_request(url) for url in self.urls)
            return
        script = _script(self.start_url)
        if script == "viewtopic.php":
            yield self._topic_request(self.start_url)
        elif script == "viewforum.php":
            yield scrapy.Request(self.start_url, callback=self.parse_forum)
        else:
            yield scrapy.Request(self.start_url, callback=self.parse_index)

    # -- navigation -------------------------------------------------------------------------

    def _topic_request(self, url: str) -> scrapy.Request:
        topic = query_param(url, "t")
        if topic and not query_param(url, "start"):
            url = canonicalize_url(urljoin(url, f"viewtopic.php?t={topic}"))
        return scrapy.Request(url, callback=self.parse_topic,
                              cb_kwargs={"post_ids": [], "pages": 0})

    def _forum_links(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css("a.forumtitle::attr(href), a.subforum::attr(href)").getall():
            url = canonicalize_url(response.urljoin(href))
            yield scrapy.Request(url, callback=self.parse_forum)

    def parse_index(self, response: Response) -> Iterator[scrapy.Request]:
        """Board index: every board and subforum."""
        yield from self._forum_links(response)

    def parse_forum(self, response: Response) -> Iterator[scrapy.Request | ThreadRef]:
        """Topic list: subforums, topics, and the next page of the list."""
        yield from self._forum_links(response)
        for href in response.css("a.topictitle::attr(href)").getall():
            url = canonicalize_url(response.urljoin(href))
            topic = query_param(url, "t")
            if self.mode == "discover" and topic:
                yield ThreadRef(native_id=topic, url=self._topic_request(url).url,
                                container=self.container(response))
            elif self.mode != "discover":
                yield self._topic_request(url)
        next_url = self.next_page_url(response)
        if next_url:
            yield scrapy.Request(next_url, callback=self.parse_forum)

    def next_page_url(self, response: Response) -> str | None:
        """The canonical URL of the next page of this list or topic, or None on the last."""
        current = canonicalize_url(response.url)
        href = response.css('a[rel="next"]::attr(href)').get()
        if href:
            return canonicalize_url(response.urljoin(href))
        # Older styles: no rel=next; take the nearest later page of the same list.
        key = "t" if _script(current) == "viewtopic.php" else "f"
        start = int(query_param(current, "start") or 0)
        later: list[tuple[int, str]] = []
        for link in response.css(".pagination a::attr(href)").getall():
            url = canonicalize_url(response.urljoin(link))
            same = _script(url) == _script(current) and (
                query_param(url, key) in (None, query_param(current, key)))
            page_start = int(query_param(url, "start") or 0)
            if same and page_start > start:
                later.append((page_start, url))
        return min(later)[1] if later else None

    # -- topic pages --------------------------------------------------------------------------

    def parse_topic(self, response: Response, post_ids: list[str],
                    pages: int) -> Iterator[PostItem | ThreadItem | scrapy.Request]:
        """One page of a topic: its posts; then the next page, or the ThreadItem after the last."""
        thread_id = self.thread_id(response)
        title = self.thread_title(response)
        container = self.container(response)
        language = response.xpath("/html/@lang").get() or response.xpath("/html/@xml:lang").get()
        ids = list(post_ids)
        for node in response.css("div.post"):
            native_id = (node.attrib.get("id") or "").removeprefix("p")
            if not native_id.isdigit():
                continue
            item = self.post_item(node, response, native_id, language)
            item.thread_native_id, item.thread_title = thread_id, title
            item.container, item.position = container, len(ids) + 1
            ids.append(native_id)
            yield item
        if len(ids) == len(post_ids):
            raise UnparsablePage(f"no phpBB posts on topic page {response.url}")
        next_url = self.next_page_url(response)
        if next_url:
            yield scrapy.Request(next_url, callback=self.parse_topic, priority=NEXT_PAGE_PRIORITY,
                                 cb_kwargs={"post_ids": ids, "pages": pages + 1})
        elif thread_id is not None:
            url = canonicalize_url(response.urljoin(f"viewtopic.php?t={thread_id}"))
            yield ThreadItem(native_id=thread_id, url=url, title=title, container=container,
                             post_native_ids=ids, pages=pages + 1)

    def post_item(self, node: Selector, response: Response, native_id: str,
                  language: str | None) -> PostItem:
        """A PostItem from one ``div.post`` (thread fields are set by the caller)."""
        author_name, author_id, author_url = self.author(node, response)
        body_node = node.css("div.postbody div.content")
        body = extract_body(body_node[0], response.url) if body_node else None
        subject = normalize_text(" ".join(node.css("div.postbody h3 ::text").getall())) or None
        return PostItem(
            native_id=native_id,
            url=canonicalize_url(response.urljoin(f"viewtopic.php?p={native_id}")),
            body_text=body.own_text if body else "",
            author_name=author_name,
            author_id=author_id,
            author_url=author_url,
            published_at=self.published_at(node, language),
            title=subject,
            quoted_native_ids=body.quoted_ids if body else [],
            quoted_text=body.quoted_texts if body else [],
            links=body.links if body else [],
            media=body.media if body else [],
            raw=node.get(),
        )

    @staticmethod
    def author(node: Selector, response: Response) -> tuple[str | None, str | None, str | None]:
        """(name, user id, profile URL); guests have a name but neither id nor URL."""
        author = node.css("p.author")
        for link in author.css('a[href*="memberlist.php"]'):
            href = link.attrib.get("href", "")
            user_id = query_param(href, "u")
            if query_param(href, "mode") == "viewprofile" and user_id:
                name = normalize_text(" ".join(link.css("::text").getall()))
                return name, user_id, canonicalize_url(response.urljoin(href))
        for css in (".username::text", ".username-coloured::text", "strong::text"):
            name = normalize_text(author.css(css).get())
            if name:
                return name, None, None
        name = normalize_text(node.css("dl.postprofile dt .username::text").get())
        return name or None, None, None

    def published_at(self, node: Selector, language: str | None) -> datetime | None:
        """From ``time[datetime]`` where the style has it (3.3), else the ``p.author`` text."""
        author = node.css("p.author")
        stamp = author.css("time::attr(datetime)").get()
        if stamp:
            try:
                return datetime.fromisoformat(stamp)
            except ValueError:
                pass
        text = " ".join(author.css("::text").getall())
        return parse_forum_date(text, tz=self.timezone, languages=language)

    @staticmethod
    def thread_id(response: Response) -> str | None:
        """The topic id from the title link, the canonical link or the page URL."""
        for href in (response.css("h2.topic-title a::attr(href)").get(),
                     response.css('link[rel="canonical"]::attr(href)').get(), response.url):
            topic = query_param(href or "", "t")
            if topic and topic.isdigit():
                return topic
        return None

    @staticmethod
    def thread_title(response: Response) -> str | None:
        """The topic title of ``h2.topic-title``."""
        return normalize_text(" ".join(response.css("h2.topic-title ::text").getall())) or None

    @staticmethod
    def container(response: Response) -> str | None:
        """The board: the last breadcrumb."""
        crumbs = response.css("#nav-breadcrumbs .crumb, .navlinks .crumb")
        if crumbs:
            return normalize_text(" ".join(crumbs[-1].css("::text").getall())) or None
        links = response.css(".navlinks a::text, #nav-breadcrumbs a::text").getall()
        return normalize_text(links[-1]) if links else None
