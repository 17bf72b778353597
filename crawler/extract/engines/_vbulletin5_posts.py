"""vBulletin 5 (Connect) thread pages: ``li.b-post[data-node-id]`` posts and their thread.

A post is a node: ``data-node-id`` is its id and ``data-node-publishdate`` its UNIX time; the
starter post's node id is the thread's id (``/forum/<channel>/<nodeid>-<slug>``). The
author is ``.b-userinfo__details .author a[data-vbnamecard]`` (``/member/<id>-<name>``),
the text ``div.js-post__content-text``, the post number ``a.b-post__count`` "#3".
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from parsel import Selector, SelectorList

from crawler.extract.engines._vbulletin_common import (
    calibrated_order,
    date_order,
    edit_date_text,
    parse_vb_date,
    vb_body,
)
from crawler.extract.engines.base import Page, PageResult, ParseContext, ThreadInfo
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem, UnparsablePage, normalize_text

POSTS = "li.b-post[data-node-id], li.js-post[data-node-id]"
_PAGE_SUFFIX = re.compile(r"/page(\d+)/?$")
_NODE = re.compile(r"/(\d+)-[^/]*$|/(\d+)$")
_MEMBER = re.compile(r"/member/(\d+)")


def _text(node: Selector | SelectorList[Selector], css: str) -> str:
    return normalize_text(" ".join(node.css(css).getall()))


def base_url(url: str) -> str:
    """A channel's or thread's URL without ``/pageN``, query or fragment."""
    parts = urlsplit(url)
    path = _PAGE_SUFFIX.sub("", parts.path)
    return canonicalize_url(urlunsplit((parts.scheme, parts.netloc, path, "", "")))


def page_of(url: str) -> int:
    """The page number of a ``.../pageN`` URL (1 without)."""
    match = _PAGE_SUFFIX.search(urlsplit(url).path)
    return int(match.group(1)) if match else 1


def node_id(url: str | None) -> str | None:
    """The node id of a thread URL (``.../1234-judul`` or ``.../1234``)."""
    if not url:
        return None
    match = _NODE.search(urlsplit(base_url(url)).path)
    return (match.group(1) or match.group(2)) if match else None


def next_url(page_url: str, sel: Selector) -> str | None:
    """The next page: ``link[rel=next]``, the pagenav "next" button, or page X of Y."""
    for href in sel.css('link[rel="next"]::attr(href), a.js-pagenav-next-button[href]'
                        ':not(.h-hide-imp)::attr(href)').getall():
        if href and not href.startswith("#") and page_of(urljoin(page_url, href)) > page_of(
                page_url):
            return canonicalize_url(urljoin(page_url, href))
    current = sel.css("input.js-pagenum::attr(value)").get() or str(page_of(page_url))
    total = sel.css(".pagetotal::text").get() or "1"
    if current.strip().isdigit() and total.strip().isdigit() and int(current) < int(total):
        return f"{base_url(page_url)}/page{int(current) + 1}"
    return None


def crumbs(sel: Selector) -> list[str]:
    """The breadcrumb names, home first."""
    names = [normalize_text(" ".join(c.css("::text").getall()))
             for c in sel.css("#breadcrumbs li.crumb, .breadcrumbs li.crumb")]
    return [name for name in names if name]


def thread_page(page: Page, context: ParseContext) -> PageResult:
    """The posts of a thread page, the thread and the URL of its next page."""
    sel = page.selector
    language = sel.xpath("/html/@lang").get()
    scope = sel.css("#thread-view-tab") or sel.css("body")
    unique: dict[str, Selector] = {}  # a node shown twice (another view tab) counts once
    for node in scope.css(POSTS):
        if not node.xpath("ancestor::li[@data-node-id]"):
            unique.setdefault(node.attrib["data-node-id"], node)
    nodes = list(unique.values())
    order = calibrated_order(_dated(nodes, ZoneInfo(context.timezone))) or date_order(
        [_text(node, ".b-post__timestamp ::text") for node in nodes], language)
    posts = [_post(n, page.url, order, language, context) for n in nodes]
    if not posts:
        raise UnparsablePage(f"no vBulletin 5 posts on thread page {page.url}")
    canonical = sel.css('link[rel="canonical"]::attr(href)').get()
    thread_id = (node_id(page.url) or node_id(canonical)
                 or sel.css("input[name='nodeid']::attr(value)").get())
    title = (_text(sel, ".page-title-widget h1.main-title ::text")
             or _text(sel, "li.b-post--first h2.b-post__title ::text") or None)
    names = crumbs(sel)
    if names and title and names[-1] == title:
        names.pop()
    return PageResult(kind="thread", posts=posts, next_url=next_url(page.url, sel),
                      thread=ThreadInfo(native_id=thread_id, title=title,
                                        container=names[-1] if len(names) > 1 else None,
                                        url=base_url(urljoin(page.url, canonical or page.url))))


def _dated(nodes: list[Selector], zone: ZoneInfo) -> list[tuple[datetime, str]]:
    """(exact local time, displayed date) of the posts that carry both."""
    return [(datetime.fromtimestamp(int(stamp), zone), _text(node, ".b-post__timestamp ::text"))
            for node in nodes if (stamp := node.attrib.get("data-node-publishdate", "")).isdigit()]


def _post(node: Selector, page_url: str, order: str, language: str | None,
          context: ParseContext) -> PostItem:
    native_id = node.attrib["data-node-id"]
    content = node.css(".js-post__content-text")
    body = vb_body(content[0], page_url) if content else None
    name, author_id, author_url = _author(node, page_url)
    position = re.sub(r"\D", "", _text(node, "a.b-post__count ::text"))
    return PostItem(
        native_id=native_id,
        url=canonicalize_url(f"{base_url(page_url)}?p={native_id}"),
        body_text=body.own_text if body else "",
        position=int(position) if position else None,
        author_name=name, author_id=author_id, author_url=author_url,
        published_at=_published(node, order, language, context),
        edited_at=_edited(node, order, language, context),
        title=_text(node, "h2.b-post__title ::text") or None,
        quoted_native_ids=body.quoted_ids if body else [],
        quoted_text=body.quoted_texts if body else [],
        links=body.links if body else [], media=(body.media if body else []) + [
            {"type": "attachment", "url": urljoin(page_url, href)} for href in node.css(
                ".b-post-attachments a[href]::attr(href), .js-post__attachment a[href]"
                "::attr(href)").getall()],
        raw=node.get(),
    )


def _author(node: Selector, page_url: str) -> tuple[str | None, str | None, str | None]:
    """(name, member id, profile URL); guests and deleted members have a name only."""
    found = (node.css(".b-userinfo__details") or node.css(".userinfo")
             or node.css("[itemprop='author']"))
    if not found:
        return None, None, None
    details = found[0]
    for link in details.css(".author a, a[data-vbnamecard]"):
        name = normalize_text(" ".join(link.css("::text").getall()))
        href = link.attrib.get("href", "")
        member = link.attrib.get("data-vbnamecard") or (
            m.group(1) if (m := _MEMBER.search(href)) else None)
        if name:
            return name, member, canonicalize_url(urljoin(page_url, href)) if member else None
    name = _text(details, ".author ::text") or _text(details, "[itemprop='name'] ::text")
    return name or None, None, None


def _published(node: Selector, order: str, language: str | None,
               context: ParseContext) -> datetime | None:
    """``data-node-publishdate`` (UNIX time), ``time[datetime]`` (site time), or the text."""
    zone = ZoneInfo(context.timezone)
    stamp = node.attrib.get("data-node-publishdate", "")
    if stamp.isdigit():
        return datetime.fromtimestamp(int(stamp), zone)
    when = node.css(".b-post__timestamp time::attr(datetime), time[itemprop='dateCreated']"
                    "::attr(datetime)").get()
    if when:
        try:
            parsed = datetime.fromisoformat(when)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
        except ValueError:
            pass
    return parse_vb_date(_text(node, ".b-post__timestamp ::text"), order, language,
                         context.timezone, context.current())


def _edited(node: Selector, order: str, language: str | None,
            context: ParseContext) -> datetime | None:
    """The last edit from the "Last edited by X; DATE." line, where shown."""
    for info in node.css("[class*='edit']"):
        text = " ".join(" ".join(info.css("::text").getall()).split())
        if ";" in text and any(ch.isdigit() for ch in text):
            return parse_vb_date(edit_date_text(text), order, language, context.timezone,
                                 context.current())
    return None
