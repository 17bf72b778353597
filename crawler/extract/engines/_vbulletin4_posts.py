"""vBulletin 4 thread pages (showthread): the posts of ``ol#posts`` and the thread they belong to.

Each post is ``li.postcontainer`` (``postbitlegacy`` or ``postbit`` layout) with id ``post_N``:
``span.postdate span.date`` ("Hari ini, <span class=time>10:05</span>"), ``a.postcounter`` "#3",
the author as ``a.username`` (``member.php?u=N``) or ``span.username.guest`` (guests and
deleted members), the message in ``div#post_message_N > blockquote.postcontent`` and the edit
note in ``blockquote.postcontent.lastedited``.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin

from parsel import Selector, SelectorList

from crawler.extract.engines import _vbulletin3 as vb3
from crawler.extract.engines._vbulletin4_urls import (
    forum_root,
    member_url,
    next_page,
    thread_url,
    vb_id,
)
from crawler.extract.engines._vbulletin_common import (
    date_order,
    edit_date_text,
    parse_vb_date,
    vb_body,
)
from crawler.extract.engines.base import Page, PageResult, ParseContext, ThreadInfo
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem, UnparsablePage, normalize_text

POSTS = "li.postcontainer[id^='post_'], li.postbitlegacy[id^='post_'], li.postbit[id^='post_']"
_POST_ID = re.compile(r"^post_?(\d+)$")


def _text(node: Selector | SelectorList[Selector], css: str) -> str:
    return normalize_text(" ".join(node.css(css).getall()))


def thread_page(page: Page, context: ParseContext) -> PageResult:
    """The posts of a showthread page (vBulletin 4, or 3's tables), the thread and the URL
    of its next page."""
    sel = page.selector
    root = forum_root(page.url, sel)
    language = sel.xpath("/html/@lang").get()
    order = date_order([" ".join(d.css("::text").getall()) for d in sel.css(".postdate .date")],
                       language)
    posts: list[PostItem] = []
    for node in sel.css(POSTS):
        match = _POST_ID.match(node.attrib.get("id", ""))
        if match and node.css("[id^='post_message_']") and all(
                p.native_id != match.group(1) for p in posts):
            posts.append(_post(node, match.group(1), root, order, language, context))
    title: str | None = (_text(sel, "#pagetitle .threadtitle ::text")
                         or _text(sel, ".lastnavbit ::text"))
    forum = container(sel)
    if not posts:  # vBulletin 3
        posts = _vb3_posts(sel, root, language, context)
        title, forum = title or vb3.thread_title(sel), forum or vb3.container(sel)
    if not posts:
        raise UnparsablePage(f"no vBulletin 3/4 posts on thread page {page.url}")
    thread_id = _thread_id(page.url, sel)
    thread = ThreadInfo(native_id=thread_id, title=title or None, container=forum,
                        url=thread_url(root, thread_id) if thread_id else None)
    following = next_page(page.url, sel) if thread_id else None
    return PageResult(kind="thread", posts=posts, thread=thread,
                      next_url=thread_url(root, thread_id, following)
                      if thread_id and following else None)


def _vb3_posts(sel: Selector, root: str, language: str | None,
               context: ParseContext) -> list[PostItem]:
    found = [(node, native_id, vb3.post_parts(node, native_id, root))
             for node, native_id in vb3.post_ids(sel)]
    order = date_order([parts["date"] for _, _, parts in found], language)
    posts = []
    for node, native_id, parts in found:
        body = vb3.vb3_body(node.css(f"#post_message_{native_id}")[0], root)
        posts.append(PostItem(
            native_id=native_id, url=canonicalize_post_url(root, native_id),
            body_text=body.own_text, position=parts["position"],
            author_name=parts["name"], author_id=parts["member"],
            author_url=parts["member_url"],
            published_at=parse_vb_date(parts["date"], order, language, context.timezone,
                                       context.current()),
            edited_at=parse_vb_date(parts["edit"], order, language, context.timezone,
                                    context.current()),
            title=parts["title"], quoted_native_ids=body.quoted_ids,
            quoted_text=body.quoted_texts, links=body.links,
            media=body.media + _attachments(node, root), raw=node.get()))
    return posts


def container(sel: Selector) -> str | None:
    """The forum of a thread page: the last linked crumb of ``#breadcrumb``."""
    crumbs = sel.css("#breadcrumb li.navbit:not(.lastnavbit) a, .breadcrumb .navbit a")
    names = [normalize_text(" ".join(c.css("::text").getall())) for c in crumbs]
    names = [name for name in names if name]
    return names[-1] if names else None


def _thread_id(url: str, sel: Selector) -> str | None:
    """From the page URL, the title link, the canonical link, a form's ``t`` field, a post
    link or the printable version link; else the page script's ``RELPATH``."""
    candidates = [url, *sel.css("#pagetitle .threadtitle a::attr(href), "
                                'link[rel="canonical"]::attr(href)').getall()]
    candidates += [f"showthread.php?t={v}" for v in sel.css(
        "input[name='t']::attr(value)").getall()[:1]]  # page nav and quick reply forms
    candidates += sel.css("a.postcounter::attr(href), a[href*='printthread.php']::attr(href)"
                          ).getall()[:1]
    for candidate in candidates:
        found = vb_id(urljoin(url, candidate), "thread")
        if found:
            return found
    relpath = re.search(r'var RELPATH = "([^"]+)"', sel.get() or "")
    return vb_id(relpath.group(1), "thread") if relpath else None


def _post(node: Selector, native_id: str, root: str, order: str, language: str | None,
          context: ParseContext) -> PostItem:
    name, author_id = _author(node, root)
    message = node.css(f"#post_message_{native_id}") or node.css("[id^='post_message_']")
    body = vb_body(message[0], root)
    counter = _text(node, "a.postcounter ::text") or node.css(
        "a[id^='postcount']::attr(name)").get() or ""
    position = re.sub(r"\D", "", counter)
    return PostItem(
        native_id=native_id,
        url=canonicalize_post_url(root, native_id),
        body_text=body.own_text,
        position=int(position) if position else None,
        author_name=name, author_id=author_id,
        author_url=member_url(root, author_id) if author_id else None,
        published_at=_when(node.css(".postdate .date"), order, language, context),
        edited_at=_edited(node, order, language, context),
        title=_text(node, "h2.title ::text, h2.posttitle ::text") or None,
        quoted_native_ids=body.quoted_ids, quoted_text=body.quoted_texts,
        links=body.links, media=body.media + _attachments(node, root), raw=node.get(),
    )


def canonicalize_post_url(root: str, native_id: str) -> str:
    """A post's permanent link: ``showthread.php?p=N`` (vBulletin finds its thread and page)."""
    return canonicalize_url(urljoin(root, f"showthread.php?p={native_id}"))


def _author(node: Selector, root: str) -> tuple[str | None, str | None]:
    """(display name, member id); guests and deleted members have a name only."""
    for link in node.css(".username_container a.username, .userinfo a.username, "
                         ".postdetails a.username"):
        member = vb_id(urljoin(root, link.attrib.get("href", "")), "member")
        name = normalize_text(" ".join(link.css("::text").getall()))
        if name:
            return name, member
    name = _text(node, ".username_container .username ::text, .userinfo .username ::text")
    return name or None, None


def _when(date: SelectorList[Selector], order: str, language: str | None,
          context: ParseContext) -> datetime | None:
    text = " ".join(" ".join(date.css("::text").getall()).split())
    return parse_vb_date(text, order, language, context.timezone, context.current())


def _edited(node: Selector, order: str, language: str | None,
            context: ParseContext) -> datetime | None:
    """The time of the last edit from "Last edited by X; DATE at TIME." where shown."""
    note = node.css("blockquote.lastedited, .lastedited")
    if not note:
        return None
    text = edit_date_text(" ".join(note[0].xpath(
        ".//text()[not(ancestor::*[contains(@class, 'reason')])"
        " and not(preceding-sibling::*[contains(@class, 'reason')])]").getall()))
    return parse_vb_date(text, order, language, context.timezone, context.current())


def _attachments(node: Selector, root: str) -> list[dict[str, str]]:
    """Attached files and thumbnails listed under the message (vB4 ``div.attachments``,
    vB3 ``fieldset``)."""
    found: list[dict[str, str]] = []
    for href in node.css(".attachments a[href*='attachment.php']::attr(href), "
                         "fieldset a[href*='attachment.php']::attr(href)").getall():
        url = canonicalize_url(urljoin(root, href.replace("&amp;", "&")))
        if all(item["url"] != url for item in found):
            found.append({"type": "attachment", "url": url})
    return found


__all__ = ["POSTS", "canonicalize_post_url", "container", "thread_page"]
