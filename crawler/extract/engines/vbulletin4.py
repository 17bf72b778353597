"""vBulletin 4 (default style and its children): forumhome -> forumdisplay -> showthread.

Lists and threads are read from the markup every vB4 style keeps (``li.forumbit_*``,
``li.threadbit``, ``li.postcontainer``); URLs in any friendly-URL form are understood and
fetched in their parameter form (see ``_vbulletin4_urls``). Guests' ``s=`` session hashes
are dropped. vBulletin 3.x pages (same scripts and URLs, table templates, ``_vbulletin3``)
are parsed too; ``detect`` claims only vBulletin 4 (``engine: vbulletin`` detects 3 as well).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.engines import _vbulletin3 as vb3
from crawler.extract.engines._vbulletin4_posts import POSTS, thread_page
from crawler.extract.engines._vbulletin4_urls import (
    forum_root,
    forum_url,
    next_page,
    thread_url,
    vb_id,
)
from crawler.extract.engines._vbulletin_common import count
from crawler.extract.engines.base import (
    Engine,
    KnownThread,
    Page,
    PageResult,
    ParseContext,
    ThreadLink,
)
from crawler.items import normalize_text

BOARD_LINKS = (".forumtitle a::attr(href), a.forumtitle::attr(href), "
               ".subforumlist a::attr(href), li.subforum a::attr(href)")
_LAST_POST = re.compile(r"(?:[?&]p=|#post)(\d+)")
_THREAD_ROW = re.compile(r"^thread_(\d+)$")


def _script(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


def detect_vb4(page: Page) -> str | None:
    """Why ``page`` was made by vBulletin 4, or None."""
    sel = page.selector
    generator = sel.css('meta[name="generator"]::attr(content)').get() or ""
    if generator.lower().startswith("vbulletin 4"):
        return f'meta generator "{generator}"'
    if sel.css("html#vbulletin_html"):
        return "html id vbulletin_html"
    if re.search(r'var SIMPLEVERSION = "4\d\d"', page.text):
        return "SIMPLEVERSION 4xx in the page script"
    if sel.css(POSTS) and sel.css("[id^='post_message_'] blockquote.postcontent"):
        return "li.postcontainer posts with blockquote.postcontent messages"
    if sel.css("li.threadbit[id^='thread_'] a.title"):
        return "li.threadbit thread list"
    if sel.css("li.forumbit_post[id^='forum'], li.forumbit_nopost[id^='cat']"):
        return "li.forumbit_post forum list"
    return None


class Vbulletin4(Engine):
    """vBulletin 4.x. Thread lists show replies and a link to the last post: the signature."""

    name = "vbulletin4"
    platform = "vbulletin"

    def detect(self, page: Page) -> str | None:
        return detect_vb4(page)

    def resume_url(self, known: KnownThread) -> str | None:
        """The last known page, rebuilt in the parameter form (whatever form was stored)."""
        for url in (known.last_page_url, known.url):
            thread = vb_id(url, "thread")
            if url and thread:
                page = re.search(r"(?:page=|/page|%2Fpage)(\d+)", url)
                root = re.split(r"(?:showthread\.php|threads/)", url, maxsplit=1)[0]
                return thread_url(root, thread, int(page.group(1)) if page else 1)
        return known.last_page_url or known.url

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        sel = page.selector
        if (sel.css(POSTS) or _script(page.url) == "showthread.php" or sel.css("ol#posts")
                or sel.css(vb3.POSTS + " div[id^='post_message_']")):
            return thread_page(page, context)
        return self._listing(page, sel)

    def _listing(self, page: Page, sel: Selector) -> PageResult:
        root = forum_root(page.url, sel)
        boards: list[str] = []
        for href in sel.css(BOARD_LINKS).getall() + vb3.board_links(page.url, sel):
            forum = vb_id(urljoin(page.url, href), "forum")
            url = forum_url(root, forum) if forum else None
            if url and url not in boards:
                boards.append(url)
        forum_id = vb_id(page.url, "forum") or sel.css(
            ".pagination input[name='f']::attr(value)").get()
        container = normalize_text(" ".join(sel.css("#pagetitle .forumtitle ::text").getall())
                                   ) or normalize_text(" ".join(sel.css(
                                       "#breadcrumb .lastnavbit ::text").getall())) or None
        threads = [link for row in sel.css("li.threadbit")
                   if (link := _thread_link(row, page.url, root, container))]
        if not threads:  # vBulletin 3
            container = container or vb3.thread_title(sel)
            threads = [ThreadLink(url=thread_url(root, tid), native_id=tid, title=title,
                                  container=container, signature=signature, sticky=sticky)
                       for tid, title, signature, sticky, _ in vb3.thread_rows(sel)]
        following = next_page(page.url, sel) if forum_id and threads else None
        return PageResult(kind="board" if threads or forum_id else "index", boards=boards,
                          threads=threads,
                          next_url=forum_url(root, forum_id, following)
                          if forum_id and following else None)


def _thread_link(row: Selector, page_url: str, root: str,
                 container: str | None) -> ThreadLink | None:
    """One ``li.threadbit``: id, title, replies and the last post id as its signature."""
    title = row.css("a.title") or row.css("h3.threadtitle a[id^='thread_title_']")
    href = title[0].attrib.get("href", "") if title else ""
    row_id = _THREAD_ROW.match(row.attrib.get("id", ""))
    thread = vb_id(urljoin(page_url, href), "thread") or (row_id.group(1) if row_id else None)
    if thread is None:
        return None
    replies = next((n for li in row.css("ul.threadstats li")
                    if (n := count(" ".join(li.css("::text").getall()))) is not None), None)
    last = " ".join(row.css(".threadlastpost a::attr(href), a.lastpostdate::attr(href)")
                    .getall())
    last_id = _LAST_POST.search(last)
    activity = last_id.group(1) if last_id else normalize_text(
        " ".join(row.css(".threadlastpost dd ::text").getall()))
    classes = set((row.attrib.get("class") or "").split())
    sticky = ("sticky" in classes or bool(row.css(".sticky"))
              or bool(row.xpath("ancestor::*[@id='stickies']")))
    return ThreadLink(
        url=thread_url(root, thread), native_id=thread,
        title=normalize_text(" ".join(title.css("::text").getall())) or None if title else None,
        container=container,
        signature=f"{replies}|{activity}" if replies is not None else None,
        sticky=sticky,
    )


ENGINE = Vbulletin4()
