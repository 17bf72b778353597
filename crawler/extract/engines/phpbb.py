"""phpBB 3 (prosilver and derived styles): index -> viewforum -> viewtopic."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.dates import parse_forum_date
from crawler.extract.engines.base import (
    Engine,
    Page,
    PageResult,
    ParseContext,
    ThreadInfo,
    ThreadLink,
)
from crawler.extract.text import extract_body
from crawler.extract.urls import canonicalize_url, query_param
from crawler.items import PostItem, UnparsablePage, normalize_text

_DIGITS = re.compile(r"\d[\d.,\s]*")


def _script(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


def _count(text: str | None) -> str | None:
    match = _DIGITS.search(text or "")
    return re.sub(r"\D", "", match.group()) if match else None


class Phpbb(Engine):
    """phpBB 3.0-3.3. Topic lists show replies and a link to the last post: the signature."""

    name = "phpbb"

    def detect(self, page: Page) -> str | None:
        sel = page.selector
        generator = sel.css('meta[name="generator"]::attr(content)').get() or ""
        if "phpbb" in generator.lower():
            return f'meta generator "{generator}"'
        if sel.css("body#phpbb"):
            return "body id phpbb"
        if sel.css('a[href*="viewtopic.php"], a[href*="viewforum.php"]') and sel.xpath(
                '//a[contains(@href, "phpbb.com")]'):
            return "viewtopic.php/viewforum.php links and a phpBB credit"
        return None

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        sel = page.selector
        if sel.css("div.post") or _script(page.url) == "viewtopic.php":
            return self._topic(page, sel, context)
        boards = [canonicalize_url(urljoin(page.url, href)) for href in sel.css(
            "a.forumtitle::attr(href), a.subforum::attr(href)").getall()]
        threads = [self._thread_link(page, row) for row in sel.css("ul.topics > li.row")]
        if not threads:  # older styles without the topiclist markup
            threads = [ThreadLink(url=_topic_url(page.url, href),
                                  native_id=query_param(href, "t"))
                       for href in sel.css("a.topictitle::attr(href)").getall()]
        kind = "board" if threads or _script(page.url) == "viewforum.php" else "index"
        container = _container(sel)
        for link in threads:
            link.container = container
        return PageResult(kind=kind, boards=boards, threads=threads,
                          next_url=_next_page(page.url, sel))

    def _thread_link(self, page: Page, row: Selector) -> ThreadLink:
        href = row.css("a.topictitle::attr(href)").get() or ""
        replies = _count(" ".join(row.css("dd.posts ::text").getall()))
        last = row.css("dd.lastpost a[href*='p=']::attr(href)").get()
        last_id = query_param(last or "", "p")
        classes = set((row.attrib.get("class") or "").split())
        return ThreadLink(
            url=_topic_url(page.url, href), native_id=query_param(href, "t"),
            title=normalize_text(" ".join(row.css("a.topictitle ::text").getall())) or None,
            signature=f"{replies}|{last_id}" if replies is not None else None,
            sticky=bool(classes & {"sticky", "announce", "global-announce"}),
        )

    def _topic(self, page: Page, sel: Selector, context: ParseContext) -> PageResult:
        language = sel.xpath("/html/@lang").get() or sel.xpath("/html/@xml:lang").get()
        posts = []
        for node in sel.css("div.post"):
            native_id = (node.attrib.get("id") or "").removeprefix("p")
            if native_id.isdigit():
                posts.append(self._post(node, page.url, native_id, language, context))
        if not posts:
            raise UnparsablePage(f"no phpBB posts on topic page {page.url}")
        thread_id = _thread_id(page.url, sel)
        thread = ThreadInfo(
            native_id=thread_id,
            title=normalize_text(" ".join(sel.css("h2.topic-title ::text").getall())) or None,
            container=_container(sel),
            url=_topic_url(page.url, f"viewtopic.php?t={thread_id}") if thread_id else None,
        )
        return PageResult(kind="thread", posts=posts, thread=thread,
                          next_url=_next_page(page.url, sel))

    def _post(self, node: Selector, url: str, native_id: str, language: str | None,
              context: ParseContext) -> PostItem:
        author_name, author_id, author_url = _author(node, url)
        body_node = node.css("div.postbody div.content")
        body = extract_body(body_node[0], url) if body_node else None
        subject = normalize_text(" ".join(node.css("div.postbody h3 ::text").getall())) or None
        return PostItem(
            native_id=native_id,
            url=canonicalize_url(urljoin(url, f"viewtopic.php?p={native_id}")),
            body_text=body.own_text if body else "",
            author_name=author_name, author_id=author_id, author_url=author_url,
            published_at=_published_at(node, language, context),
            edited_at=_edited_at(node, language, context),
            title=subject,
            quoted_native_ids=body.quoted_ids if body else [],
            quoted_text=body.quoted_texts if body else [],
            links=body.links if body else [],
            media=body.media if body else [],
            raw=node.get(),
        )


def _topic_url(base: str, href: str) -> str:
    """A topic's first-page URL: ``viewtopic.php?t=N`` (forum id and session dropped)."""
    url = canonicalize_url(urljoin(base, href))
    topic = query_param(url, "t")
    if topic and not query_param(url, "start"):
        url = canonicalize_url(urljoin(url, f"viewtopic.php?t={topic}"))
    return url


def _next_page(url: str, sel: Selector) -> str | None:
    """The next page of this list or topic, or None on the last."""
    current = canonicalize_url(url)
    href = sel.css('a[rel="next"]::attr(href)').get()
    if href:
        return canonicalize_url(urljoin(url, href))
    # Older styles: no rel=next; take the nearest later page of the same list.
    key = "t" if _script(current) == "viewtopic.php" else "f"
    start = _start(current)
    later: list[tuple[int, str]] = []
    for link in sel.css(".pagination a::attr(href)").getall():
        candidate = canonicalize_url(urljoin(url, link))
        same = _script(candidate) == _script(current) and (
            query_param(candidate, key) in (None, query_param(current, key)))
        page_start = _start(candidate)
        if same and page_start > start:
            later.append((page_start, candidate))
    return min(later)[1] if later else None


def _start(url: str) -> int:
    """The ``start`` offset of a list or topic URL (0 when absent or not a number)."""
    value = query_param(url, "start") or ""
    return int(value) if value.isdigit() else 0


def _author(node: Selector, url: str) -> tuple[str | None, str | None, str | None]:
    """(name, user id, profile URL); guests have a name but neither id nor URL."""
    author = node.css("p.author")
    for link in author.css('a[href*="memberlist.php"]'):
        href = link.attrib.get("href", "")
        user_id = query_param(href, "u")
        if query_param(href, "mode") == "viewprofile" and user_id:
            name = normalize_text(" ".join(link.css("::text").getall()))
            return name, user_id, canonicalize_url(urljoin(url, href))
    for css in (".username::text", ".username-coloured::text", "strong::text"):
        name = normalize_text(author.css(css).get())
        if name:
            return name, None, None
    name = normalize_text(node.css("dl.postprofile dt .username::text").get())
    return name or None, None, None


def _published_at(node: Selector, language: str | None,
                  context: ParseContext) -> datetime | None:
    """From ``time[datetime]`` where the style has it (3.3), else the ``p.author`` text."""
    author = node.css("p.author")
    stamp = author.css("time::attr(datetime)").get()
    if stamp:
        try:
            return datetime.fromisoformat(stamp)
        except ValueError:
            pass
    text = " ".join(author.css("::text").getall())
    return parse_forum_date(text, tz=context.timezone, now=context.current(), languages=language)


def _edited_at(node: Selector, language: str | None, context: ParseContext) -> datetime | None:
    """The time of the last edit from the "Last edited by X on DATE" notice, if shown."""
    notice = node.css("div.notice")
    if not notice:
        return None
    stamp = notice.css("time::attr(datetime)").get()
    if stamp:
        try:
            return datetime.fromisoformat(stamp)
        except ValueError:
            pass
    text = " ".join(notice.css("::text").getall())
    # "Terakhir diubah oleh budi pada Sen Mar 18, 2024 11:05 am, total 1 kali."
    for marker in (" pada ", " on ", " am ", " le "):
        if marker in text:
            text = text.split(marker, 1)[1]
            break
    return parse_forum_date(text.split(",  ")[0].rsplit(", ", 1)[0], tz=context.timezone,
                            now=context.current(), languages=language)


def _thread_id(url: str, sel: Selector) -> str | None:
    """The topic id from the title link, the canonical link or the page URL."""
    for href in (sel.css("h2.topic-title a::attr(href)").get(),
                 sel.css('link[rel="canonical"]::attr(href)').get(), url):
        topic = query_param(href or "", "t")
        if topic and topic.isdigit():
            return topic
    return None


def _container(sel: Selector) -> str | None:
    """The board: the last breadcrumb."""
    crumbs = sel.css("#nav-breadcrumbs .crumb, .navlinks .crumb")
    if crumbs:
        return normalize_text(" ".join(crumbs[-1].css("::text").getall())) or None
    links = sel.css(".navlinks a::text, #nav-breadcrumbs a::text").getall()
    return normalize_text(links[-1]) if links else None


ENGINE = Phpbb()
