"""XenForo 2 (default style and styles derived from it): forum list -> forum view -> threads.

XenForo 1 pages (``html#XenForo``) are read too, from their own markup (``_xenforo1``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.engines import _xenforo1 as xf1
from crawler.extract.engines._xenforo_posts import clean_text, parse_post, time_value
from crawler.extract.engines.base import (
    Engine,
    Page,
    PageResult,
    ParseContext,
    ThreadInfo,
    ThreadLink,
)
from crawler.extract.urls import canonicalize_url
from crawler.items import UnparsablePage, normalize_text

# "threads/<slug>.<id>/" (friendly URLs), "index.php?threads/<slug>.<id>/" (without URL
# rewriting) and "threads/<id>/" (titles left out of URLs).
_THREAD = re.compile(r"threads/(?:[^/?#&]*\.)?(\d+)(?=[/?#&]|$)")
_FORUM = re.compile(r"forums/(?:[^/?#&]*\.)?(\d+)(?=[/?#&]|$)")
_LIST_ITEM = re.compile(r"\bjs-threadListItem-(\d+)\b")
# Posts of every thread type: discussions, questions and articles (``message--article``).
_POSTS = f'article.message--post, article.message[data-content^="post-"], {xf1.POSTS}'
# Forums and categories of the node lists (index, category and forum pages); link forums and
# pages are left out (they lead off the forum).
_NODES = (".node--forum .node-title a::attr(href), .node--category .node-title a::attr(href), "
          f"a.subNodeLink--forum::attr(href), a.subNodeLink--category::attr(href), {xf1.NODES}")
_ROWS = f".structItem--thread, {xf1.THREAD_ROWS}"
# Thread prefixes in front of a title (XenForo 2 labels, XenForo 1 prefixes).
_LABELS = ("label", "label-append", "labelLink", "prefix")


def _url(base: str, href: str) -> str:
    return canonicalize_url(urljoin(base, href.strip()))


def thread_url(url: str) -> str | None:
    """A thread's first page (``.../threads/slug.5/``) from any URL inside it (page-N, post-N,
    unread, latest), or None when ``url`` is not a thread URL."""
    match = _THREAD.search(url)
    if match is None:
        return None
    return canonicalize_url(url[:match.end()] + "/")


def post_url(thread: str | None, base: str, native_id: str) -> str:
    """A post's permalink ``.../posts/N/`` beside the thread's ``threads/`` route."""
    if thread and "threads/" in thread:
        return canonicalize_url(thread[:thread.rfind("threads/")] + f"posts/{native_id}/")
    return _url(base, f"/posts/{native_id}/")


class XenForo(Engine):
    """XenForo 2.0-2.3. Thread lists show replies and the last post's time: the signature."""

    name = "xenforo"

    def detect(self, page: Page) -> str | None:
        sel = page.selector
        html_id = sel.xpath("/html/@id").get()
        if html_id in ("XF", "XenForo"):
            return f'html id "{html_id}" (XenForo {2 if html_id == "XF" else 1})'
        if sel.xpath("/html[@data-app and @data-template]") and sel.css("[data-xf-init]"):
            return "html data-app/data-template and data-xf-init attributes (XenForo 2)"
        if sel.css(f"{_POSTS}, .structItem--thread, .node--forum") and sel.xpath(
                '//a[contains(@href, "xenforo.com")]'):
            return "XenForo 2 message/thread list markup and a XenForo credit"
        return None

    def start_url(self, url: str) -> str:
        """A thread URL of any page or post starts at the thread's first page (so the crawl
        sees the whole thread); other URLs as given."""
        return thread_url(url) or url

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        sel = page.selector
        template = sel.xpath("/html/@data-template").get() or ""
        # XenForo 1 links are relative to <base href>; XenForo 2's are absolute paths.
        base = urljoin(page.url, sel.css("base::attr(href)").get() or "")
        if sel.css(_POSTS) or template.startswith("thread_view") or (
                not template and thread_url(page.url)):
            return self._thread(page, base, context)
        boards = list(dict.fromkeys(_url(base, href) for href in sel.css(_NODES).getall()
                                    if "#" not in href))
        threads = [link for row in sel.css(_ROWS)
                   if (link := self._thread_link(base, row)) is not None]
        forum_view = template.startswith("forum_view")  # also forum_view_type_question...
        container = _page_title(sel) if forum_view or threads else None
        for link in threads:
            link.container = container
        kind = "board" if threads or forum_view or _FORUM.search(page.url) else "index"
        return PageResult(kind=kind, boards=boards, threads=threads,
                          next_url=_next_page(base, sel))

    def _thread_link(self, base: str, row: Selector) -> ThreadLink | None:
        shown = _row(row) if "structItem" in (row.attrib.get("class") or "") else (
            xf1.legacy_thread_row(row))
        if shown is None:
            return None
        anchor: Selector = shown["anchor"]
        url = thread_url(urljoin(base, anchor.attrib.get("href", "")))
        if url is None:
            return None
        match = _THREAD.search(url)
        replies = normalize_text(shown["replies"])
        last = time_value(shown["latest"]) if shown["latest"] is not None else None
        return ThreadLink(
            url=url, native_id=shown["native_id"] or (match.group(1) if match else None),
            title=clean_text(anchor, ()) or None,
            signature=f"{replies}|{last or ''}" if replies else None, sticky=shown["sticky"],
        )

    def _thread(self, page: Page, base: str, context: ParseContext) -> PageResult:
        sel = page.selector
        language = sel.xpath("/html/@lang").get()
        # The fetched URL first: a canonical link names the board URL an admin configured,
        # which may differ in scheme or host from the URL the site is crawled at.
        canonical = sel.css('link[rel="canonical"]::attr(href)').get()
        first_page = thread_url(page.url) or thread_url(urljoin(base, canonical or ""))
        posts = []
        for node in sel.css(_POSTS):
            post = parse_post(node, base, language, context)
            if post is not None:
                post.url = post_url(first_page, base, post.native_id)
                posts.append(post)
        if not posts:
            raise UnparsablePage(f"no XenForo posts on thread page {page.url}")
        key = sel.xpath("/html/@data-content-key").get() or ""
        match = _THREAD.search(first_page or "")
        native_id = key.removeprefix("thread-") if re.fullmatch(r"thread-\d+", key) else (
            match.group(1) if match else None)
        thread = ThreadInfo(native_id=native_id, title=_page_title(sel),
                            container=_container(sel), url=first_page)
        return PageResult(kind="thread", posts=posts, thread=thread,
                          next_url=_next_page(base, sel))


def _row(row: Selector) -> dict[str, Any] | None:
    """What a ``structItem--thread`` shows: title link, id, replies, last post time, sticky."""
    if row.css(".structItem-status--redirect"):
        return None  # a moved thread's notice: the thread is listed in its new forum
    # The title link (a prefix before it links to the forum filtered by that prefix).
    links = (row.css('.structItem-title a[data-tp-primary="on"][href*="threads/"]')
             or row.css('.structItem-title a[href*="threads/"]'))
    if not links:
        return None
    found = _LIST_ITEM.search(row.attrib.get("class") or "")
    latest = row.css(".structItem-latestDate")
    return {"anchor": links[-1], "native_id": found.group(1) if found else None,
            "replies": row.css(".structItem-cell--meta dd::text").get(),
            "latest": latest[0] if latest else None,
            "sticky": bool(row.css(".structItem-status--sticky") or row.xpath(
                "ancestor::*[contains(@class, 'structItemContainer-group--sticky')]"))}


def _page_title(sel: Selector) -> str | None:
    """The page's ``h1.p-title-value`` without thread prefixes, or ``og:title``."""
    heading = sel.css("h1.p-title-value") or sel.css(xf1.TITLE)
    title = clean_text(heading[0], _LABELS) if heading else ""
    return title or normalize_text(sel.css('meta[property="og:title"]::attr(content)').get()) \
        or None


def _container(sel: Selector) -> str | None:
    """The forum a thread is in: the last item of the top breadcrumbs."""
    crumbs = sel.css("ul.p-breadcrumbs:not(.p-breadcrumbs--bottom) > li") or sel.css(
        ".p-breadcrumbs li") or sel.css(xf1.CRUMBS)
    if not crumbs:
        return None
    names = crumbs[-1].css('[itemprop="name"]')
    return clean_text(names[0] if names else crumbs[-1], ()) or None


def _next_page(url: str, sel: Selector) -> str | None:
    """The next page of this forum or thread (``page-N``), or None on the last."""
    for css in ("a.pageNav-jump--next::attr(href)", 'link[rel="next"]::attr(href)'):
        href = sel.css(css).get()
        if href:
            return _url(url, href)
    return xf1.legacy_next_page(url, sel)


ENGINE = XenForo()
