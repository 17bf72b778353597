"""XenForo 1.x markup the XenForo adapter also reads (``html#XenForo``): the post body with
its quotes in XenForo 2's form, and the page navigation without a next link."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.urls import canonicalize_url

_QUOTED = re.compile(r"goto/post\?id=(\d+)|#post-(\d+)")
# Selectors of XenForo 1 beside those of XenForo 2 (see xenforo.py and _xenforo_posts.py).
POSTS = 'li.message[id^="post-"]'
THREAD_ROWS = "li.discussionListItem"
NODES = "li.node.forum .nodeTitle a::attr(href)"
AUTHOR = (".userText .username", ".messageUserInfo .username", ".messageMeta .username")
PUBLISHED = (".messageMeta .DateTime", ".privateControls .DateTime")
EDITED = ".editDate .DateTime"
TITLE = ".titleBar h1"
CRUMBS = '.breadcrumb .crumbs .crust [itemprop="title"]'


def _drop(element: Any) -> None:
    """Remove ``element`` but keep the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _quote(box: Any) -> None:
    """``div.bbCodeQuote`` (attribution, ``blockquote.quoteContainer``, "Click to expand...")
    as a XenForo 2 quote: a blockquote whose ``data-source`` names the quoted post."""
    for link in box.iter("a"):
        match = _QUOTED.search(link.get("href") or "")
        if match and "AttributionLink" in (link.get("class") or ""):
            box.set("data-source", f"post: {match.group(1) or match.group(2)}")
            break
    for element in list(box.iter()):
        classes = set((element.get("class") or "").split())
        if classes & {"attribution", "quoteExpand"}:
            _drop(element)
        elif "quoteContainer" in classes:
            element.tag = "div"
    box.tag = "blockquote"


def legacy_body(node: Selector) -> Selector | None:
    """A XenForo 1 post's ``blockquote.messageText`` reshaped for ``extract_body``: a div
    (the body itself is no quote) whose quotes look like XenForo 2's."""
    found = node.css(".messageContent .messageText") or node.css(".messageText")
    if not found:
        return None
    root = found[0].root
    root.tag = "div"
    for box in found[0].css("div.bbCodeQuote"):
        _quote(box.root)
    for marker in found[0].css(".messageTextEndMarker"):
        _drop(marker.root)
    return found[0]


def legacy_next_page(url: str, sel: Selector) -> str | None:
    """The next page from ``div.PageNav``'s page, last page and URL template."""
    nav = sel.css(".PageNav[data-page][data-last][data-baseurl]")
    if not nav:
        return None
    page, last = nav.attrib.get("data-page", ""), nav.attrib.get("data-last", "")
    if not (page.isdigit() and last.isdigit()) or int(page) >= int(last):
        return None
    sentinel = nav.attrib.get("data-sentinel") or "{{sentinel}}"
    target = nav.attrib["data-baseurl"].replace(sentinel, str(int(page) + 1))
    return canonicalize_url(urljoin(url, target))


def legacy_thread_row(row: Selector) -> dict[str, Any] | None:
    """What a XenForo 1 ``li.discussionListItem`` shows: link, id, replies, last post, sticky."""
    links = [a for a in row.css('h3.title a[href*="threads/"]')
             if "prefixLink" not in (a.attrib.get("class") or "")]
    if not links:
        return None
    classes = set((row.attrib.get("class") or "").split())
    if "redirect" in classes:
        return None
    row_id = row.attrib.get("id") or ""
    latest = row.css(".lastPostInfo .DateTime") or row.css(".lastPost .DateTime")
    return {"anchor": links[-1],
            "native_id": row_id.removeprefix("thread-") if row_id.startswith("thread-") else None,
            "replies": row.css(".stats dl.major dd::text").get(),
            "latest": latest[0] if latest else None,
            "sticky": "sticky" in classes}
