"""Telegram public channels through their web preview (``https://t.me/s/<channel>``).

A preview page lists about twenty messages, oldest first, as
``div.tgme_widget_message[data-post="channel/123"]``, and links older and newer pages with
``<link rel="prev" href="/s/channel?before=N">`` and ``<link rel="next" href="...?after=N">``.
:func:`parse_channel_page` turns one page into messages (kind ``message``): text, time, views,
reply-to, forwarded-from, the "edited" marker, photos, videos and links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.text import extract_body
from crawler.items import PostItem

_BACKGROUND = re.compile(r"background-image\s*:\s*url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
_COUNT = re.compile(r"^\s*([\d.,]+)\s*([KMB]?)\s*$", re.IGNORECASE)
_SCALE = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}
_OWN_TEXT = ("./descendant::div[contains(concat(' ', normalize-space(@class), ' '),"
             " ' tgme_widget_message_text ')][not(ancestor::a[contains(@class,"
             " 'tgme_widget_message_reply')])][1]")


@dataclass(slots=True)
class ChannelPage:
    """One preview page: its messages (page order) and the links to older and newer pages."""

    messages: list[PostItem] = field(default_factory=list)
    older_url: str | None = None
    newer_url: str | None = None
    title: str | None = None  # the channel's title


def message_number(native_id: str) -> int:
    """The message number of ``channel/123`` (Telegram numbers a channel's messages)."""
    return int(native_id.rsplit("/", 1)[-1])


def parse_count(text: str | None) -> int | None:
    """Telegram's short counts: ``812`` -> 812, ``12.3K`` -> 12300, ``1.2M`` -> 1200000."""
    match = _COUNT.match(text or "")
    if not match:
        return None
    number = float(match.group(1).replace(",", "."))
    return round(number * _SCALE[match.group(2).upper()])


def post_ref(href: str | None) -> str | None:
    """``channel/123`` from a message link (``https://t.me/channel/123?single``), else None."""
    if not href:
        return None
    segments = [s for s in urlsplit(href).path.split("/") if s]
    if segments[:1] == ["s"]:
        segments = segments[1:]
    if len(segments) == 2 and segments[1].isdigit():
        return f"{segments[0]}/{segments[1]}"
    return None


def parse_channel_page(html: str, url: str) -> ChannelPage:
    """The messages of a preview page fetched from ``url`` (service messages are skipped)."""
    page = Selector(text=html)
    result = ChannelPage(title=_text(page.css(".tgme_channel_info_header_title")) or None)
    for node in page.css("div.tgme_widget_message[data-post]"):
        if "service_message" in (node.attrib.get("class") or ""):
            continue  # "channel created", "pinned a message": not posts
        item = _message(node, url)
        if item is not None:
            result.messages.append(item)
    older = page.css("link[rel=prev]::attr(href)").get() or page.css(
        "a.tme_messages_more[data-before]::attr(href)").get()
    newer = page.css("link[rel=next]::attr(href)").get() or page.css(
        "a.tme_messages_more[data-after]::attr(href)").get()
    result.older_url = urljoin(url, older) if older else None
    result.newer_url = urljoin(url, newer) if newer else None
    return result


def _text(nodes: Selector | list[Selector] | object) -> str:
    if not isinstance(nodes, list) or not nodes:
        return ""
    return " ".join(" ".join(nodes[0].css("::text").getall()).split())


def _message(node: Selector, page_url: str) -> PostItem | None:
    native_id = node.attrib["data-post"].strip()
    if "/" not in native_id or not native_id.rsplit("/", 1)[-1].isdigit():
        return None
    channel = native_id.rsplit("/", 1)[0]
    when = node.css(".tgme_widget_message_date time::attr(datetime)").get() or node.css(
        ".tgme_widget_message_meta time::attr(datetime)").get()
    body = node.xpath(_OWN_TEXT)
    parts = extract_body(body[0], page_url) if body else None
    links = list(parts.links) if parts else []
    preview = node.css("a.tgme_widget_message_link_preview::attr(href)").get()
    if preview and preview not in links:
        links.append(preview)
    views = parse_count(node.css(".tgme_widget_message_views::text").get())
    parent = post_ref(node.css("a.tgme_widget_message_reply::attr(href)").get())
    item = PostItem(
        native_id=native_id,
        url=node.css("a.tgme_widget_message_date::attr(href)").get()
        or urljoin(page_url, f"/{native_id}"),
        body_text=parts.own_text if parts else "",
        container=channel,
        author_id=channel,
        author_name=_text(node.css(".tgme_widget_message_owner_name")) or channel,
        published_at=datetime.fromisoformat(when) if when else None,
        published_via="page",
        parent_native_id=parent,
        # The preview shows only the replied-to message: a thread is a message and its replies.
        thread_native_id=parent or native_id,
        links=links,
        media=_media(node, page_url) + (list(parts.media) if parts else []),
        metrics={"views": views} if views is not None else {},
        kind="message",
        raw=node.get(),
    )
    meta = " ".join(node.css(".tgme_widget_message_meta ::text").getall())
    if re.search(r"\bedited\b", meta, re.IGNORECASE):
        item.extra["edited"] = True
    forwarded = _forwarded(node)
    if forwarded:
        item.extra["forwarded_from"] = forwarded
    return item


def _forwarded(node: Selector) -> dict[str, str | None] | None:
    """A forward's origin: a channel (linked) keeps name, link and message id; a user who
    hides their account shows only a name, which is not kept (it names a person)."""
    origin = node.css(".tgme_widget_message_forwarded_from_name")
    if not origin:
        return None
    href = origin.attrib.get("href") or origin.css("a::attr(href)").get()
    if not href:
        return {"name": None, "url": None, "native_id": None}
    return {"name": _text(origin) or None, "url": href, "native_id": post_ref(href)}


def _media(node: Selector, page_url: str) -> list[dict[str, str]]:
    media = []
    for style in node.css("a.tgme_widget_message_photo_wrap::attr(style)").getall():
        match = _BACKGROUND.search(style)
        if match:
            media.append({"type": "image", "url": urljoin(page_url, match.group(1))})
    for src in node.css("video.tgme_widget_message_video::attr(src)").getall():
        media.append({"type": "video", "url": urljoin(page_url, src)})
    for href in node.css("a.tgme_widget_message_document_wrap::attr(href)").getall():
        media.append({"type": "document", "url": urljoin(page_url, href)})
    return media
