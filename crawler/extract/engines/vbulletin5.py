"""vBulletin 5 (Connect): forum home -> channels (``/forum/<channel>``) -> topics -> posts.

Channels list subchannels (``a.forum-title``, ``a.subforum-title``) and topics
(``tr.topic-item[data-node-id]`` with ``a.topic-title``, the reply count and a link to the
last post); a topic's pages are ``<topic URL>/pageN``. No session ids appear in URLs.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.engines._vbulletin5_posts import (
    POSTS,
    base_url,
    crumbs,
    next_url,
    node_id,
    thread_page,
)
from crawler.extract.engines._vbulletin_common import count
from crawler.extract.engines.base import Engine, Page, PageResult, ParseContext, ThreadLink
from crawler.items import normalize_text

BOARD_LINKS = ("a.forum-title::attr(href), a.subforum-title::attr(href), "
               ".subforum-list a::attr(href), .category-header a::attr(href), "
               "a.category-title::attr(href)")
TOPICS = "tr.topic-item, .topic-list-item, li.topic-item"
_LAST_POST = re.compile(r"(?:[?&]p=|#post)(\d+)")
# Path parts that are no channel: topics (<nodeid>-<slug>), files, scripts.
_NOT_CHANNEL = re.compile(r"(?:^|/)\d+(?:-|$)|\.\w{2,4}$")


def detect_vb5(page: Page) -> str | None:
    """Why ``page`` was made by vBulletin 5, or None."""
    sel = page.selector
    generator = sel.css('meta[name="generator"]::attr(content)').get() or ""
    if generator.lower().startswith("vbulletin 5"):
        return f'meta generator "{generator}"'
    if sel.css(POSTS) and sel.css(".js-post__content-text"):
        return "li.b-post[data-node-id] posts with js-post__content-text"
    if sel.css("body#vb-page-body") and sel.css(".canvas-layout-container, .b-top-menu"):
        return "body vb-page-body with vBulletin 5 page layout"
    if sel.css("tr.topic-item[data-node-id] a.topic-title"):
        return "tr.topic-item topic list"
    return None


class Vbulletin5(Engine):
    """vBulletin 5.x Connect. Topic lists show replies and the last post: the signature."""

    name = "vbulletin5"
    platform = "vbulletin"

    def detect(self, page: Page) -> str | None:
        return detect_vb5(page)

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        sel = page.selector
        if sel.css(POSTS):
            return thread_page(page, context)
        return self._listing(page, sel)

    def _listing(self, page: Page, sel: Selector) -> PageResult:
        boards: list[str] = []
        links = [base_url(urljoin(page.url, h)) for h in sel.css(BOARD_LINKS).getall()]
        for url in links + _channel_links(page.url, sel):
            if url not in boards and url != base_url(page.url):
                boards.append(url)
        names = crumbs(sel)
        container = normalize_text(" ".join(sel.css(
            ".page-title-widget h1.main-title ::text, .channel-title ::text").getall())) or (
            names[-1] if names else None)
        threads = [link for row in sel.css(TOPICS)
                   if (link := _topic(row, page.url, container))]
        return PageResult(kind="board" if threads else "index", boards=boards,
                          threads=threads, next_url=next_url(page.url, sel) if threads else None)


def _channel_links(page_url: str, sel: Selector) -> list[str]:
    """Links in the page content to channels below this one (vBulletin 5 nests channel
    paths: ``/forum/a/b``), for styles whose forum lists lack the default classes."""
    here = base_url(page_url)
    prefix = here.rstrip("/") + "/"
    if urlsplit(here).path in ("", "/"):
        prefix = urljoin(here, "/forum/")
    found: list[str] = []
    for href in sel.css("#content a[href]::attr(href), .canvas-layout-container a[href]"
                        "::attr(href)").getall():
        url = base_url(urljoin(page_url, href))
        tail = url[len(prefix):] if url.startswith(prefix) else ""
        if tail and not _NOT_CHANNEL.search(tail) and url not in found:
            found.append(url)
    return found


def _topic(row: Selector, page_url: str, container: str | None) -> ThreadLink | None:
    """One topic row: node id, title, replies and the last post id as its signature."""
    title = row.css("a.topic-title") or row.css("a.js-topic-title")
    href = title[0].attrib.get("href", "") if title else ""
    url = base_url(urljoin(page_url, href)) if href else None
    thread = row.attrib.get("data-node-id") or node_id(url)
    if not url or not thread:
        return None
    replies = count(" ".join(row.css(".posts-count ::text, .cell-count ::text").getall()))
    last = " ".join(row.css(".cell-lastpost a::attr(href), a.go-to-last-post::attr(href)")
                    .getall())
    last_id = _LAST_POST.search(last)
    activity = last_id.group(1) if last_id else normalize_text(
        " ".join(row.css(".cell-lastpost .post-date ::text").getall()))
    classes = set((row.attrib.get("class") or "").split())
    return ThreadLink(
        url=url, native_id=thread,
        title=normalize_text(" ".join(title.css("::text").getall())) or None,
        container=container,
        signature=f"{replies}|{activity}" if replies is not None else None,
        sticky="sticky" in classes or bool(row.css(".b-icon__sticky, .sticky-icon")),
    )


ENGINE = Vbulletin5()
