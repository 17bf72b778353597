"""XenForo posts (2: ``article.message--post``, 1: ``li.message``): author, times, post number,
body, attachments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from lxml import etree
from parsel import Selector

from crawler.extract.dates import parse_forum_date
from crawler.extract.engines import _xenforo1 as xf1
from crawler.extract.engines.base import ParseContext
from crawler.extract.text import extract_body
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem, normalize_text

_POST_ID = re.compile(r"^(?:js-)?post-(\d+)$")
_MEMBER = re.compile(r"members/(?:[^/?#&]*\.)?(\d+)(?=[/?#&]|$)")
_NUMBER = re.compile(r"^#\s*(\d[\d.,\s\u00a0\u202f]*)$")
# XenForo's "A moment ago" has no number for dateparser to work with.
_MOMENT = re.compile(r"moment|saat yang lalu|gerade eben|instant|momento", re.IGNORECASE)
# Where the author's name is, most specific first (the avatar carries a user id but no name).
_AUTHOR = (".message-name .username", ".message-userDetails .username", ".message-user .username",
           ".message-attribution-user .username", ".message-attribution-user--top .username",
           ".message-attribution .username", *xf1.AUTHOR)
_PUBLISHED = (".message-attribution-main time", ".message-attribution time", "time.u-dt",
              *xf1.PUBLISHED)


def clean_text(node: Selector, skip_classes: Iterable[str]) -> str:
    """The normalized text of ``node`` without descendants having one of ``skip_classes``."""
    skip = set(skip_classes)
    parts: list[str] = []

    def walk(el: Any) -> None:
        if not isinstance(el.tag, str) or set((el.get("class") or "").split()) & skip:
            return
        parts.append(el.text or "")
        for child in el:
            walk(child)
            parts.append(child.tail or "")

    root = node.root
    if isinstance(root, str):
        return normalize_text(root)
    walk(root)
    return normalize_text(" ".join("".join(parts).split()))


def _unix(el: Selector) -> int | None:
    """The Unix time of a ``time.u-dt``: ``data-timestamp`` (2.3) or ``data-time`` (2.0-2.2;
    in 2.3 that attribute holds the clock time as text)."""
    for name in ("data-timestamp", "data-time"):
        value = (el.attrib.get(name) or "").strip()
        if value.isdigit():
            return int(value)
    return None


def time_value(el: Selector) -> str | None:
    """What a ``time.u-dt`` states exactly: its Unix time or ISO datetime, else its text."""
    unix = _unix(el)
    return (str(unix) if unix is not None else el.attrib.get("datetime")) or normalize_text(
        " ".join(el.css("::text").getall())) or None


def parse_time(el: Selector, language: str | None, context: ParseContext) -> datetime | None:
    """A ``time.u-dt`` as a datetime: ``datetime`` (ISO with the visitor's offset), else
    the Unix time, else the full ``title``, else the date and time strings, else the shown
    text, relative within a week ("Hari ini pukul 10:05", "Kemarin pukul 21:40", "5 menit yang
    lalu")."""
    stamp = el.attrib.get("datetime")
    if stamp:
        try:
            parsed = datetime.fromisoformat(stamp.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(context.timezone))
    unix = _unix(el)
    if unix is not None:
        return datetime.fromtimestamp(unix, ZoneInfo(context.timezone))
    shown = normalize_text(" ".join(el.css("::text").getall()))
    pieces = [el.attrib.get(name) for name in ("data-date-string", "data-time-string")]
    if not any(pieces):  # 2.3: data-date and data-time (text)
        pieces = [el.attrib.get(name) for name in ("data-date", "data-time")]
    for text in (el.attrib.get("title"), " ".join(p for p in pieces if p), shown):
        parsed = parse_forum_date(text, tz=context.timezone, now=context.current(),
                                  languages=language)
        if parsed is not None:
            return parsed
    return context.current() if _MOMENT.search(shown) else None


def _first_time(node: Selector, selectors: tuple[str, ...], language: str | None,
                context: ParseContext) -> datetime | None:
    found = next((hit for css in selectors if (hit := node.css(css))), None)
    return parse_time(found[0], language, context) if found else None


def _native_id(node: Selector) -> str | None:
    for value in (node.attrib.get("data-content"), node.attrib.get("id")):
        match = _POST_ID.match((value or "").strip())
        if match:
            return match.group(1)
    return None


def _author(node: Selector, base: str) -> tuple[str | None, str | None, str | None]:
    """(name, user id, profile URL). Guests and deleted members ("Deleted member 123") are a
    plain ``span.username`` with ``data-user-id="0"``: a name, no id."""
    found = next((hit[0] for css in _AUTHOR if (hit := node.css(css))), None)
    name = clean_text(found, ()) if found is not None else ""
    name = name or normalize_text(node.attrib.get("data-author")) or ""
    if found is None:
        return name or None, None, None
    href = found.attrib.get("href") or ""
    user_id = (found.attrib.get("data-user-id") or "").strip()
    if not user_id.isdigit() or user_id == "0":
        match = _MEMBER.search(href)
        user_id = match.group(1) if match else ""
    if not user_id:
        return name or None, None, None
    profile = canonicalize_url(urljoin(base, href)) if href else None
    return name or None, user_id, profile


def _position(node: Selector) -> int | None:
    """The post number "#12" of the attribution bar (number-formatted: "#1.234")."""
    for text in node.css(".message-attribution-opposite li ::text, .postNumber::text").getall():
        match = _NUMBER.match(text.strip())
        if match:
            return int(re.sub(r"\D", "", match.group(1)))
    return None


def _attachments(node: Selector, base: str) -> list[dict[str, Any]]:
    """The attachment list under the body: images (with thumbnail) and other files."""
    media: list[dict[str, Any]] = []
    for item in node.css("ul.attachmentList > li, ol.attachmentList > li"):
        href = item.css("a.file-preview::attr(href)").get() or item.css(
            'a[href*="attachments/"]::attr(href)').get()
        thumb = item.css("img::attr(src)").get()
        if not href and not thumb:
            continue
        entry: dict[str, Any] = {"type": "image" if thumb else "file",
                                 "url": urljoin(base, href or thumb or "")}
        name = normalize_text(item.css(".file-name::text, .attachmentText h6 a::text").get()
                              ) or normalize_text(item.css("img::attr(alt)").get())
        if name:
            entry["name"] = name
        if thumb:
            entry["thumbnail"] = urljoin(base, thumb)
        media.append(entry)
    return media


def _embeds(body: Selector | None, base: str) -> list[dict[str, Any]]:
    """Embedded media (``[MEDIA]``: YouTube and the like) as iframes in the body."""
    if body is None:
        return []
    sources = [frame.attrib.get("src") or frame.attrib.get("data-src") or ""
               for frame in body.css("iframe")]
    return [{"type": "embed", "url": urljoin(base, src)} for src in sources
            if src and not src.startswith(("about:", "data:"))]


def _unfurls_as_links(body: Selector) -> None:
    """A URL alone on its line shows as a preview box (the linked page's title, description
    and host): the author wrote only the URL, so the box becomes that link again."""
    for box in body.css('[data-unfurl="true"], .bbCodeBlock--unfurl'):
        element = box.root
        url, tail = element.get("data-url") or "", element.tail
        element.clear()  # also drops the tail, restored below
        element.tail = tail
        if url:
            link = etree.SubElement(element, "a", href=url)
            link.text = url


def parse_post(node: Selector, base: str, language: str | None,
               context: ParseContext) -> PostItem | None:
    """One ``article.message`` as a PostItem (url is the page's; the engine sets the
    permalink), or None when it has no post id."""
    native_id = _native_id(node)
    if native_id is None:
        return None
    raw = node.get()
    name, user_id, profile = _author(node, base)
    body_node = (node.css(".message-body .bbWrapper") or node.css(".message-content .bbWrapper")
                 or node.css(".message-body"))
    if body_node:
        _unfurls_as_links(body_node[0])
    found = body_node[0] if body_node else xf1.legacy_body(node)
    body = extract_body(found, base) if found is not None else None
    media = [item for item in [*(body.media if body else []), *_embeds(found, base),
                               *_attachments(node, base)]
             if not item["url"].startswith("data:")]  # lazy-loading placeholders
    return PostItem(
        native_id=native_id,
        url=base,
        body_text=body.own_text if body else "",
        position=_position(node),
        author_name=name, author_id=user_id, author_url=profile,
        published_at=_first_time(node, _PUBLISHED, language, context),
        edited_at=_first_time(node, (".message-lastEdit time", xf1.EDITED), language, context),
        quoted_native_ids=body.quoted_ids if body else [],
        quoted_text=body.quoted_texts if body else [],
        links=body.links if body else [],
        media=media,
        raw=raw,
    )
