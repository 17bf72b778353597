"""Comments as WordPress themes list them: ``wp_list_comments`` and the comment-template block.

Every comment is an element ``id="comment-<id>"`` (``li`` or ``div``); its replies sit inside
it (``ol.children``), so a comment's parent is the nearest enclosing comment and a top-level
comment answers the post. Author, date and text are looked up in the comment's own part only,
never in its replies.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.engines._wordpress_common import body_of, cleaned
from crawler.extract.engines._wordpress_dates import parse_stamp, shown_date
from crawler.extract.engines.base import ParseContext
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem, normalize_text

_COMMENT_ID = re.compile(r"^comment-(\d+)$")
# Elements that stand for a comment when nesting is judged: the comment itself and the
# wrappers some themes put around it (Astra: ``li#li-comment-N > article#comment-N``).
_WRAPPER_ID = re.compile(r"^(?:li-|div-)?comment-(\d+)$")
_SKIPPED_TYPES = frozenset({"pingback", "trackback"})  # the REST API lists comments only
# Where a comment's parts are, most specific first (html5 walker, old walker, blocks).
NAME = (".comment-author .fn", ".fn", ".wp-block-comment-author-name", ".comment-author-name")
DATE = (".comment-metadata time", ".wp-block-comment-date time", ".comment-meta time",
        ".comment-date time", "time")
DATE_TEXT = (".comment-metadata a", ".commentmetadata a", ".wp-block-comment-date",
             ".comment-date", ".comment-time", ".comment-meta a")
PERMALINK = (".comment-metadata a", ".commentmetadata a", ".wp-block-comment-date a",
             ".comment-date a")
CONTENT = (".comment-content", ".wp-block-comment-content", ".comment-text", ".comment-entry",
           ".ast-comment-content", "[itemprop='text']")
# A comment body without a content wrapper (the old ``comment()`` walker): what is not text.
_NOT_TEXT = frozenset({"comment-author", "comment-meta", "commentmetadata", "reply", "vcard",
                       "comment-awaiting-moderation", "children"})


def comment_id(el: Any) -> str | None:
    """The comment id of an element ``id="comment-<id>"``."""
    match = _COMMENT_ID.match(el.get("id") or "") if isinstance(el.tag, str) else None
    return match.group(1) if match else None


def comment_nodes(sel: Selector) -> list[Selector]:
    """Every comment on the page, in page order (pingbacks and trackbacks left out)."""
    out = []
    for node in sel.xpath("//*[starts-with(@id, 'comment-')]"):
        if comment_id(node.root) and not set(_classes(node)) & _SKIPPED_TYPES:
            out.append(node)
    return out


def _wrapper_id(el: Any) -> str | None:
    match = _WRAPPER_ID.match(el.get("id") or "") if isinstance(el.tag, str) else None
    return match.group(1) if match else None


def _enclosing(el: Any, other_than: str | None = None) -> str | None:
    """The id of the nearest comment around ``el`` (not ``el`` itself), skipping the
    elements of comment ``other_than``."""
    parent = el.getparent()
    while parent is not None:
        found = _wrapper_id(parent)
        if found and found != other_than:
            return found
        parent = parent.getparent()
    return None


def _own(node: Selector, queries: tuple[str, ...]) -> Selector | None:
    """The first match of the first query that matches in the comment's own part (not in
    its replies)."""
    own = comment_id(node.root)
    for query in queries:
        for match in node.css(query):
            if _enclosing(match.root) == own:
                return match
    return None


def _classes(node: Selector) -> list[str]:
    """``comment_class()`` of a comment: on its element or on a wrapper around it."""
    classes = (node.attrib.get("class") or "").split()
    parent = node.root.getparent()
    if parent is not None and _wrapper_id(parent) == comment_id(node.root):
        classes += (parent.get("class") or "").split()
    return classes


def _not_text(el: Any) -> bool:
    if not isinstance(el.tag, str):
        return False
    classes = set((el.get("class") or "").split())
    return bool(classes & _NOT_TEXT) or _wrapper_id(el) is not None


def parse_comment(node: Selector, sel: Selector, post_id: str, page_url: str,
                  context: ParseContext) -> PostItem:
    """One comment of post ``post_id`` as a PostItem (kind "comment")."""
    native_id = comment_id(node.root) or ""
    classes = _classes(node)
    name_node = _own(node, NAME)
    name = normalize_text(" ".join(name_node.css("::text").getall())) if name_node else ""
    link = name_node.css("a::attr(href)").get() if name_node else None
    content = _own(node, CONTENT)
    if content is None:
        body_node = _own(node, (".comment-body",))
        content = cleaned(body_node, _not_text) if body_node is not None else None
    body = body_of(content, page_url)
    permalink = _own(node, PERMALINK)
    href = permalink.attrib.get("href") if permalink is not None else None
    return PostItem(
        native_id=native_id, kind="comment", body_text=body.own_text,
        url=canonicalize_url(urljoin(page_url, href or "")) + f"#comment-{native_id}",
        thread_native_id=post_id, author_name=name or None,
        author_id=_member(classes), author_url=canonicalize_url(link) if link else None,
        published_at=_published(node, sel, context),
        parent_native_id=_enclosing(node.root, native_id) or post_id,
        quoted_native_ids=body.quoted_ids, quoted_text=body.quoted_texts, links=body.links,
        media=body.media,
        raw=cleaned(node, lambda el: _wrapper_id(el) not in (None, native_id)).get(),
    )


def _member(classes: list[str]) -> str | None:
    """A registered commenter's nicename from ``comment_class()`` (``byuser
    comment-author-<nicename>``); guests and deleted accounts have none."""
    if "byuser" not in classes:
        return None
    for token in classes:
        if token.startswith("comment-author-") and len(token) > len("comment-author-"):
            return token.removeprefix("comment-author-")
    return None


def _published(node: Selector, sel: Selector, context: ParseContext) -> datetime | None:
    """``time[datetime]`` (ISO 8601 with offset), else the shown date ("18 Maret 2024 pukul
    10:05", "2 jam yang lalu") in the page's language."""
    stamp = _own(node, DATE)
    when = parse_stamp(stamp.attrib.get("datetime"), context) if stamp is not None else None
    return when or shown_date(_own(node, DATE_TEXT), sel, context)
