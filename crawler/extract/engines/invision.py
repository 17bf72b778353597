"""Invision Community 4 (default theme): forums index -> forum -> topic, 25 of each a page."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawler.extract.engines._invision_post import parse_post, route
from crawler.extract.engines.base import (
    Engine,
    Page,
    PageResult,
    ParseContext,
    ThreadInfo,
    ThreadLink,
)
from crawler.extract.urls import canonicalize_url, query_param
from crawler.items import UnparsablePage, normalize_text

# Friendly URLs, rewritten (/forums/topic/45-slug/) or not (index.php?/forums/topic/45-slug/);
# "forums/" is absent where Forums is the default application.
_TOPIC = re.compile(r"(?:^|/)topic/(\d+)(?=[-/]|$)")
_FORUM = re.compile(r"(?:^|/)forum/(\d+)(?=[-/]|$)")
_PAGE = re.compile(r"page/\d+/?$")
_FRIENDLY = re.compile(r"/\d+-[^/]*/(?:page/\d+/?)?$")  # ".../45-slug/" (+ "page/2/")
_DIGITS = re.compile(r"\d[\d.,\s]*")
# Query parameters of a page of a topic or forum that do not select the topic or forum.
_NOT_CONTENT = frozenset({"page", "do", "comment", "sortby", "sortdirection", "filter"})


def topic_id(url: str) -> str | None:
    """The topic id of a topic URL (friendly or ``?app=forums&controller=topic&id=N``)."""
    match = _TOPIC.search(route(url)[0])
    if match:
        return match.group(1)
    if query_param(url, "controller") == "topic":
        return query_param(url, "id")
    return query_param(url, "showtopic")


def first_page(url: str) -> str:
    """A topic's or forum's first-page URL: no ``page/N/``, no query (``do=``, ``sortby=``)."""
    parts = urlsplit(url)
    path, _ = route(url)
    path = _PAGE.sub("", path)
    if parts.query.startswith("/"):
        return canonicalize_url(urlunsplit(parts._replace(query=path, fragment="")))
    if not _FRIENDLY.search(path):  # not a friendly URL: the query selects the content
        kept = [pair for pair in parts.query.split("&")
                if pair.split("=", 1)[0].lower() not in _NOT_CONTENT]
        return canonicalize_url(urlunsplit(parts._replace(query="&".join(kept), fragment="")))
    return canonicalize_url(urlunsplit(parts._replace(path=path, query="", fragment="")))


def with_query(url: str, query: str) -> str:
    """``url`` with ``query`` appended (after a route in the query, with ``&``)."""
    separator = "&" if urlsplit(url).query else "?"
    return canonicalize_url(f"{url}{separator}{query}")


def _count(text: str | None) -> str | None:
    match = _DIGITS.search(text or "")
    return normalize_text(match.group()) if match else None


class Invision(Engine):
    """Invision Community (IPS) 4.x. Topic lists show replies and the last post's time."""

    name = "invision"

    def detect(self, page: Page) -> str | None:
        sel = page.selector
        classes = set((sel.css("body::attr(class)").get() or "").split())
        if "ipsApp" in classes:
            return 'body class "ipsApp"'
        if sel.css("#ipsLayout_header, #ipsLayout_body, [data-role=commentFeed]") and sel.css(
                "[class*=ipsType_], [class*=ipsDataItem]"):
            return "ipsLayout containers and ips* classes"
        return None

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        sel = page.selector
        controller = sel.css("body::attr(data-pagecontroller)").get()
        if sel.css("article[id^=elComment_]") or controller == "topic" or (
                controller is None and _TOPIC.search(route(page.url)[0])):
            return self._topic(page, sel, context)
        boards = _boards(page.url, sel)
        container = _container(sel)
        table = sel.css("ol.cForumTopicTable, [data-role=tableRows]") or sel
        threads = [link for row in table.css("li[data-rowid]")
                   if (link := self._thread_link(page.url, row, container))]
        kind = "board" if threads or controller == "forums" else "index"
        if kind == "index" and not boards:  # a portal or an empty page: go to the forums app
            boards = [canonicalize_url(urljoin(page.url, href)) for href in sel.css(
                "[data-navapp=forums] > a::attr(href)").getall()[:1]]
        current = first_page(page.url)
        return PageResult(kind=kind, boards=[b for b in boards if b != current],
                          threads=threads, next_url=_next_page(page.url, sel))

    def _thread_link(self, base: str, row: Selector, container: str | None) -> ThreadLink | None:
        title = row.css(".ipsDataItem_title, .ipsData__title")
        links = [a for a in title.css("a[href]")
                 if not a.xpath("ancestor::*[contains(@class, 'ipsPagination')]")]
        # The topic link; with custom friendly URLs, the title's first link.
        links = [a for a in links if topic_id(urljoin(base, a.attrib["href"]))] or links[:1]
        if not links:
            return None
        url = first_page(urljoin(base, links[0].attrib["href"]))
        stats = row.css(".ipsDataItem_stats li[data-stattype=forums_comments]") or row.css(
            ".ipsDataItem_stats li")[:1]
        replies = _count(" ".join(stats.css(".ipsDataItem_stats_number ::text").getall()))
        last = (row.css(".ipsDataItem_lastPoster time::attr(datetime)").getall()
                or row.css("time::attr(datetime)").getall())
        signature = f"{replies}|{last[-1] if last else ''}" if replies or last else None
        name = normalize_text(" ".join(links[0].css("::text").getall()))
        return ThreadLink(
            url=url, native_id=row.attrib.get("data-rowid") or topic_id(url),
            title=name or normalize_text(links[0].attrib.get("title")) or None,
            container=container, signature=signature,
            sticky=bool(title.css(".fa-thumb-tack, .ipsBadge_pinned")),
        )

    def _topic(self, page: Page, sel: Selector, context: ParseContext) -> PageResult:
        language = sel.xpath("/html/@lang").get()
        posts = []
        for node in sel.css("article[id^=elComment_]"):
            native_id = (node.attrib.get("id") or "").removeprefix("elComment_")
            if native_id.isdigit():
                posts.append(parse_post(node, page.url, native_id, language, context))
        if not posts:
            raise UnparsablePage(f"no Invision posts on topic page {page.url}")
        url = _topic_url(page.url, sel)
        for post in posts:
            post.url = with_query(url, f"do=findComment&comment={post.native_id}")
        feed = sel.css("#comments::attr(data-feedid)").get() or ""
        thread = ThreadInfo(
            native_id=feed.removeprefix("topic-") if feed.startswith("topic-") else topic_id(url),
            title=_title(sel), container=_container(sel), url=url)
        return PageResult(kind="thread", posts=posts, thread=thread,
                          next_url=_next_page(page.url, sel))


def _topic_url(url: str, sel: Selector) -> str:
    """The topic's first page: from the canonical link, else from the page URL."""
    canonical = sel.css('link[rel="canonical"]::attr(href)').get()
    if canonical and topic_id(urljoin(url, canonical)):
        return first_page(urljoin(url, canonical))
    return first_page(url)


def _boards(base: str, sel: Selector) -> list[str]:
    """Forums and subforums listed on an index or forum page (rows, grid cards, categories)."""
    found: list[str] = []
    hrefs = sel.css("[data-forumid] a::attr(href), [data-categoryid] h2 a::attr(href), "
                    ".cForumList .ipsDataItem_title a::attr(href)").getall()
    for href in hrefs:
        url = urljoin(base, href)
        if _FORUM.search(route(url)[0]) and not query_param(url, "do") and not query_param(
                url, "passForm"):
            canonical = first_page(url)
            if canonical not in found:
                found.append(canonical)
    return found


def _next_page(url: str, sel: Selector) -> str | None:
    """The next page of this list or topic (None on the last; IPS keeps an inactive link)."""
    hrefs = sel.css("ul.ipsPagination li.ipsPagination_next:not(.ipsPagination_inactive) "
                    "a::attr(href)").getall()
    hrefs += sel.css('link[rel="next"]::attr(href)').getall()  # only where there is a next
    current = canonicalize_url(url)
    for href in hrefs:
        candidate = canonicalize_url(urljoin(url, href))
        if candidate != current:
            return candidate
    return None


def _title(sel: Selector) -> str | None:
    """The topic title of the page header (prefix tags and badges left out)."""
    header = sel.css("h1.ipsType_pageTitle, h1.ipsPageHeader__title")
    for css in ("[data-role=editableTitle] ::text", ".ipsType_break ::text", "::text"):
        text = normalize_text(" ".join(header.css(css).getall()))
        if text:
            return text
    return normalize_text(sel.css('meta[property="og:title"]::attr(content)').get()) or None


def _container(sel: Selector) -> str | None:
    """The forum: the last breadcrumb that links to a forum, else the forum page's title."""
    crumbs = sel.css("[data-role=breadcrumbList]")[:1].css("li a") or sel.css(
        ".ipsBreadcrumb li a")
    for crumb in reversed(crumbs):
        if _FORUM.search(route(urljoin("http://x/", crumb.attrib.get("href", "")))[0]):
            return normalize_text(" ".join(crumb.css("::text").getall())) or None
    if sel.css("body[data-pagecontroller=forums]"):
        return normalize_text(" ".join(sel.css("h1.ipsType_pageTitle ::text").getall())) or None
    return None


ENGINE = Invision()
