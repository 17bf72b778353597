"""One Invision Community 4 post (``article.cPost``): author, dates, body, quotes and media."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from parsel import Selector

from crawler.extract.dates import parse_forum_date
from crawler.extract.engines.base import ParseContext
from crawler.extract.text import extract_body
from crawler.extract.urls import canonicalize_url, query_param
from crawler.items import PostItem, normalize_text

_PROFILE = re.compile(r"(?:^|/)profile/(\d+)(?=[-/]|$)")
# "Edited 18 March 2024 by budi" / "Diedit 18 Maret 2024 oleh budi": the date between.
_EDIT_WORDS = re.compile(r"^\s*(?:edited|diedit|diubah|disunting)\s*", re.IGNORECASE)
_EDIT_BY = re.compile(r"\s+(?:by|oleh)\s+.*$", re.IGNORECASE | re.DOTALL)
# Media of the post's own words: not inside a quote.
_NOT_IN_QUOTE = "not(ancestor::blockquote)"


def parse_post(node: Selector, url: str, native_id: str, language: str | None,
               context: ParseContext) -> PostItem:
    """A PostItem from one ``article[id=elComment_N]`` (thread fields and URL set by the caller)."""
    data = _quote_data(node)
    author_name, author_id, author_url = _author(node, url, data)
    content = node.css("[data-role=commentContent]")
    body = extract_body(content[0], url) if content else None
    return PostItem(
        native_id=native_id,
        url=url,
        body_text=body.own_text if body else "",
        author_name=author_name, author_id=author_id, author_url=author_url,
        published_at=_published_at(node, data, language, context),
        edited_at=_edited_at(content[0], language, context) if content else None,
        quoted_native_ids=body.quoted_ids if body else [],
        quoted_text=body.quoted_texts if body else [],
        links=body.links if body else [],
        media=_media(content[0], url) if content else [],
        raw=node.get(),
    )


def _quote_data(node: Selector) -> dict[str, Any]:
    """The JSON of ``data-quotedata`` (author id and name, time, topic and post ids), or {}."""
    text = node.css("[data-quotedata]::attr(data-quotedata)").get()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def route(url: str) -> tuple[str, str]:
    """(Invision route, other query): the URL path, or a query that starts with ``/``
    (``index.php?/forums/topic/45-slug/&page=2`` where URLs are not rewritten)."""
    parts = urlsplit(url)
    if parts.query.startswith("/"):
        head, _, rest = parts.query.partition("&")
        return head, rest
    return parts.path, parts.query


def profile_id(url: str) -> str | None:
    """The member id of a profile URL (``/profile/12-budi/`` or ``?controller=profile&id=12``)."""
    match = _PROFILE.search(route(url)[0])
    if match:
        return match.group(1)
    return query_param(url, "id") if query_param(url, "controller") == "profile" else None


def _profile_url(url: str) -> str:
    """A profile URL without the hovercard query (``?do=hovercard``)."""
    parts = urlsplit(url)
    path = route(url)[0]
    if not _PROFILE.search(path):
        return canonicalize_url(url)  # ?controller=profile&id=12: the query names the member
    query = path if parts.query.startswith("/") else ""
    return canonicalize_url(urlunsplit(parts._replace(query=query, fragment="")))


def _author(node: Selector, url: str,
            data: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(name, member id, profile URL). A guest or deleted member: the name shown, no id; a
    member whose profile guests may not see: the name and the id of ``data-quoteData``."""
    pane = node.css("aside.cAuthorPane .cAuthorPane_author, .cAuthorPane_author, "
                    ".ipsEntry__username")[:1]
    for link in pane.css("a[href]"):
        href = urljoin(url, link.attrib["href"])
        linked = profile_id(href)
        if linked:
            name = normalize_text(" ".join(link.css("::text").getall()))
            return name or _name(data), linked, _profile_url(href)
    shown = next((text for css in ("strong ::text", "::text")
                  if (text := normalize_text(" ".join(pane.css(css).getall())))), None)
    user = data.get("userid")
    member = str(user) if isinstance(user, int) and user > 0 else None
    return shown or _name(data), member, None


def _name(data: dict[str, Any]) -> str | None:
    name = data.get("username")
    return normalize_text(name) or None if isinstance(name, str) else None


def _stamp(value: str | None) -> datetime | None:
    """An ISO 8601 ``time[datetime]`` value (IPS writes UTC with a ``Z``)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _local(when: datetime | None, context: ParseContext) -> datetime | None:
    return when.astimezone(ZoneInfo(context.timezone)) if when else None


def _from_time(time: Selector, language: str | None, context: ParseContext) -> datetime | None:
    """A ``<time>``: its datetime, else its title (the full local date), else its text."""
    stamp = _stamp(time.attrib.get("datetime"))
    if stamp:
        return _local(stamp, context)
    for text in (time.attrib.get("title"), " ".join(time.css("::text").getall())):
        parsed = parse_forum_date(text, tz=context.timezone, now=context.current(),
                                  languages=language)
        if parsed:
            return parsed
    return None


def _published_at(node: Selector, data: dict[str, Any], language: str | None,
                  context: ParseContext) -> datetime | None:
    """The first ``<time>`` outside the body (the post's meta line), else quote data."""
    for time in node.xpath(".//time[not(ancestor::*[@data-role='commentContent'])]")[:1]:
        found = _from_time(time, language, context)
        if found:
            return found
    stamp = data.get("timestamp")
    if isinstance(stamp, int | float) and stamp > 0:
        return _local(datetime.fromtimestamp(stamp, UTC), context)
    return None


def _edited_at(content: Selector, language: str | None,
               context: ParseContext) -> datetime | None:
    """The edit line at the end of the body (``[data-excludequote]``, "Diedit ... oleh X")."""
    notes = content.xpath(f".//*[@data-excludequote][{_NOT_IN_QUOTE}]")
    if not notes:
        return None
    note = notes[-1]
    for time in note.css("time"):
        found = _from_time(time, language, context)
        if found:
            return found
    text = _EDIT_BY.sub("", _EDIT_WORDS.sub("", normalize_text(" ".join(
        note.css("::text").getall()))))
    return parse_forum_date(text, tz=context.timezone, now=context.current(), languages=language)


def _media(content: Selector, url: str) -> list[dict[str, Any]]:
    """Pictures (lazy ``data-src`` first), attachments and embedded videos of the own text."""
    media: list[dict[str, Any]] = []
    for img in content.xpath(f".//img[{_NOT_IN_QUOTE}][not(@data-emoticon)]"):
        src = img.attrib.get("data-src") or img.attrib.get("src")
        if src and not src.startswith("data:"):
            item: dict[str, Any] = {"type": "image", "url": urljoin(url, src)}
            if img.attrib.get("alt"):
                item["alt"] = img.attrib["alt"]
            media.append(item)
    for link in content.xpath(f".//a[contains(@class, 'ipsAttachLink')][{_NOT_IN_QUOTE}]"):
        if "ipsAttachLink_image" not in (link.attrib.get("class") or "") and link.attrib.get(
                "href"):
            media.append({"type": "attachment", "url": urljoin(url, link.attrib["href"]),
                          "name": normalize_text(" ".join(link.css("::text").getall()))})
    for frame in content.xpath(f".//iframe[{_NOT_IN_QUOTE}]"):
        src = frame.attrib.get("data-embed-src") or frame.attrib.get("src")
        if src and not src.startswith(("about:", "data:")):
            media.append({"type": "embed", "url": urljoin(url, src)})
    return media
