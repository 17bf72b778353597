"""What both WordPress paths share: post bodies without theme and plugin extras, thread order."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from html import unescape
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.text import BodyParts, extract_body
from crawler.items import normalize_text

T = TypeVar("T")

# Parts of ``the_content``/``comment_text`` that are no one's words: sharing buttons and related
# posts (Jetpack), "Continue reading" links, paged-post navigation, text for screen readers only.
_EXTRA_CLASSES = frozenset({"sharedaddy", "jp-relatedposts", "more-link", "page-links",
                            "screen-reader-text", "comment-reply-link", "reply",
                            "comment-awaiting-moderation", "addtoany_share_save_container"})
_EXTRA_IDS = frozenset({"jp-relatedposts"})


def _is_extra(el: Any) -> bool:
    if not isinstance(el.tag, str):
        return False
    classes = set((el.get("class") or "").split())
    return bool(classes & _EXTRA_CLASSES) or el.get("id") in _EXTRA_IDS


def cleaned(node: Selector, drop: Callable[[Any], bool] = _is_extra) -> Selector:
    """A copy of ``node`` without the elements ``drop`` names (their tails stay)."""
    root = copy.deepcopy(node.root)
    doomed = [el for el in root.iterdescendants() if drop(el)]
    for el in doomed:
        if el.getparent() is not None and _attached(el, root):
            el.drop_tree()
    return Selector(root=root)


def _attached(el: Any, root: Any) -> bool:
    """False when an ancestor of ``el`` was dropped already."""
    parent = el.getparent()
    while parent is not None:
        if parent is root:
            return True
        parent = parent.getparent()
    return False


def body_of(node: Selector | None, base_url: str) -> BodyParts:
    """Own text, quotes, links and images of a post or comment body node. A quote whose
    source is on another site (a news article a post quotes) names no post of this one."""
    if node is None:
        return BodyParts(own_text="")
    body = cleaned(node)
    host = urlsplit(base_url).hostname
    for quote in body.root.iter("blockquote"):
        if _foreign(quote.get("cite"), base_url, host):
            del quote.attrib["cite"]
        for link in quote.xpath(".//cite//a[@href]"):
            if _foreign(link.get("href"), base_url, host):
                link.set("data-foreign-href", link.attrib.pop("href"))
    return extract_body(body, base_url)


def _foreign(url: str | None, base_url: str, host: str | None) -> bool:
    return bool(url) and urlsplit(urljoin(base_url, url or "")).hostname != host


def body_of_html(fragment: str, base_url: str) -> BodyParts:
    """Like :func:`body_of` for rendered HTML (the REST API's ``content.rendered``)."""
    if not isinstance(fragment, str) or not fragment.strip():
        return BodyParts(own_text="")
    body = Selector(text=f"<html><body><div>{fragment}</div></body></html>").xpath("//body")
    return body_of(body[0], base_url) if body else BodyParts(own_text="")


def text_of_html(fragment: str | None) -> str:
    """The text of a small piece of HTML (a rendered title, a term name with ``&amp;``)."""
    if not isinstance(fragment, str) or not fragment:  # hostile JSON: any type may come
        return ""
    if "<" not in fragment:
        return normalize_text(unescape(fragment))
    sel = Selector(text=f"<html><body><div>{fragment}</div></body></html>")
    return normalize_text(" ".join(sel.xpath("//body//text()").getall()))


def thread_order(items: Iterable[T], key: Callable[[T], str],
                 parent: Callable[[T], str | None]) -> list[T]:
    """Items as WordPress shows threaded comments: each followed by its replies, depth first;
    siblings keep their given (oldest first) order. Replies whose parent is not among the
    items start their own branch where they are."""
    listed = list(items)
    ids = {key(item) for item in listed}
    children: dict[str, list[T]] = {}
    roots: list[T] = []
    for item in listed:
        up = parent(item)
        if up is not None and up in ids and up != key(item):
            children.setdefault(up, []).append(item)
        else:
            roots.append(item)
    out: list[T] = []
    seen: set[str] = set()
    stack = list(reversed(roots))
    while stack:
        item = stack.pop()
        if key(item) in seen:
            continue
        seen.add(key(item))
        out.append(item)
        stack.extend(reversed(children.get(key(item), [])))
    out.extend(item for item in listed if key(item) not in seen)  # cycles: keep them anyway
    return out


def first_number(text: str | None) -> int | None:
    """The first number in ``text`` ("12 Komentar" -> 12), thousands separators ignored."""
    match = re.search(r"\d[\d.,]*", text or "")
    return int(re.sub(r"\D", "", match.group())) if match else None
