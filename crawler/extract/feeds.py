"""Feeds: RSS 0.9x/1.0/2.0 and Atom (through feedparser) and JSON Feed 1.0/1.1.

:func:`parse_feed` turns a fetched feed into :class:`FeedEntry` objects: the entry's id, its
web page, title, content or summary, authors, dates, tags and media. It never fetches
anything. Whether an entry carries the whole article (:attr:`FeedEntry.full_content`) decides
whether the feed spider stores the entry's own text or fetches the article page.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.article_dates import parse_any_date

# An entry's content that ends like this is a teaser, not the article.
_TRUNCATED = re.compile(
    r"(\[\s*(?:\.\.\.|…|&hellip;)\s*\]|\.\.\.|…|read more|continue reading|baca selengkapnya|"
    r"selengkapnya|lanjut baca)\W*$", re.IGNORECASE)
_JSON_FEED = "https://jsonfeed.org/version/"


class FeedError(ValueError):
    """A body that is not a feed pantau can read; ``str()`` is one line for the user."""


@dataclass(slots=True)
class FeedEntry:
    """One item of a feed, as the feed states it."""

    id: str | None  # guid / atom:id / JSON Feed id
    url: str | None  # the entry's web page (http or https only)
    title: str | None = None
    content_html: str | None = None  # the full content the feed carries (HTML)
    content_text: str | None = None  # JSON Feed content_text
    summary: str | None = None
    authors: list[str] = field(default_factory=list)
    author_url: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    tags: list[str] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)
    language: str | None = None

    @property
    def signature(self) -> str | None:
        """What tells a changed entry: its update time, else its publication time."""
        stamp = self.updated or self.published
        return stamp.isoformat() if stamp else None

    @property
    def full_content(self) -> bool:
        """True when the feed carries the article itself (content:encoded, atom:content,
        content_html/content_text) and that content is not a teaser ending in "..." or
        "Baca selengkapnya"."""
        html = self.content_html or self.content_text
        if not html:
            return False
        text = " ".join(Selector(text=f"<div>{html}</div>").css("div ::text").getall()).strip()
        return bool(text) and not _TRUNCATED.search(text)


@dataclass(slots=True)
class Feed:
    """A parsed feed: its format ("rss", "atom", "json"), title, home page and entries."""

    format: str
    title: str | None
    link: str | None
    language: str | None
    entries: list[FeedEntry]


def looks_like_feed(body: bytes, content_type: str | None = None) -> bool:
    """A cheap test: RSS, RDF, Atom or JSON Feed by its first bytes or its Content-Type."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return _JSON_FEED.encode() in body[:4096].replace(b"\\/", b"/")
    kind = (content_type or "").lower()
    if any(t in kind for t in ("rss", "atom", "feed+json")):
        return True
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def parse_feed(body: bytes, url: str, tz: str = "UTC") -> Feed:
    """The feed at ``url`` (its raw bytes); FeedError when it is none.

    ``tz`` reads dates that give no offset. Relative links are resolved against ``url``.
    """
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return _json_feed(body, url, tz)
    import feedparser  # slow to import: only where a feed is read

    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": url})
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedError(f"{url} is not an RSS, Atom or JSON feed"
                        + (f" ({problem})" if problem else ""))
    meta = parsed.feed
    language = _language(meta.get("language"))
    entries = [_xml_entry(e, url, tz, language) for e in parsed.entries]
    return Feed(format="atom" if version.startswith("atom") else "rss",
                title=meta.get("title"), link=_http(meta.get("link"), url),
                language=language, entries=entries)


def _language(tag: Any) -> str | None:
    """``id-ID``, ``id_ID``, ``In-Id`` -> ``id``."""
    if not isinstance(tag, str) or not tag.strip():
        return None
    return tag.strip().replace("_", "-").split("-", 1)[0].lower() or None


def _http(link: Any, base: str) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    absolute = urljoin(base, link.strip())
    return absolute if absolute.startswith(("http://", "https://")) else None


def _date(raw: Any, parsed: Any, tz: str) -> datetime | None:
    """The stamp as written (its own offset kept), else feedparser's UTC reading of it."""
    if isinstance(raw, str) and raw.strip():
        try:
            stamp = parsedate_to_datetime(raw.strip())  # RFC 822 (RSS)
            if stamp.tzinfo is not None:
                return stamp
        except (TypeError, ValueError, IndexError):
            pass
        found = parse_any_date(raw, tz)
        if found is not None:
            return found
    if parsed:
        year, month, day, hour, minute, second = parsed[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


def _xml_entry(entry: Any, base: str, tz: str, language: str | None) -> FeedEntry:
    contents = [c for c in entry.get("content") or [] if c.get("value")]
    html = next((c["value"] for c in contents if "html" in (c.get("type") or "")), None)
    text = None if html else next((c["value"] for c in contents), None)
    authors = [a.get("name") for a in entry.get("authors") or [] if a.get("name")]
    if not authors and entry.get("author"):
        authors = [entry["author"]]
    detail = entry.get("title_detail") or {}
    media = [{"type": (e.get("type") or "file").split("/")[0], "url": e["href"]}
             for e in entry.get("enclosures") or [] if e.get("href")]
    media += [{"type": m.get("medium") or "image", "url": m["url"]}
              for m in entry.get("media_content") or [] if m.get("url")]
    return FeedEntry(
        id=entry.get("id") or None,
        url=_http(entry.get("link"), base),
        title=entry.get("title") or None,
        content_html=html, content_text=text,
        summary=entry.get("summary") or None,
        authors=authors,
        author_url=_http((entry.get("author_detail") or {}).get("href"), base),
        published=_date(entry.get("published"), entry.get("published_parsed"), tz),
        # dict.get: feedparser's own get() maps a missing "updated" to "published" (and warns)
        updated=_date(dict.get(entry, "updated"), dict.get(entry, "updated_parsed"), tz),
        tags=[t["term"] for t in entry.get("tags") or [] if t.get("term")],
        media=media,
        language=_language(detail.get("language")) or language,
    )


def _json_feed(body: bytes, url: str, tz: str) -> Feed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        raise FeedError(f"{url} is not valid JSON: {err}") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(_JSON_FEED):
        raise FeedError(f"{url} is JSON but not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedError(f"{url}: a JSON Feed needs an 'items' list")
    language = _language(data.get("language"))
    feed_authors = _json_authors(data)
    entries = [_json_entry(item, url, tz, language, feed_authors)
               for item in items if isinstance(item, dict)]
    return Feed(format="json", title=data.get("title"),
                link=_http(data.get("home_page_url"), url), language=language, entries=entries)


def _json_authors(node: dict[str, Any]) -> list[dict[str, Any]]:
    authors = node.get("authors")  # 1.1
    if not isinstance(authors, list):
        authors = [node["author"]] if isinstance(node.get("author"), dict) else []  # 1.0
    return [a for a in authors if isinstance(a, dict) and a.get("name")]


def _json_entry(item: dict[str, Any], base: str, tz: str, language: str | None,
                feed_authors: list[dict[str, Any]]) -> FeedEntry:
    authors = _json_authors(item) or feed_authors
    media = [{"type": "image", "url": u} for u in (item.get("image"), item.get("banner_image"))
             if isinstance(u, str) and u]
    media += [{"type": str(a.get("mime_type") or "file").split("/")[0], "url": a["url"]}
              for a in item.get("attachments") or [] if isinstance(a, dict) and a.get("url")]
    ident = item.get("id")
    return FeedEntry(
        id=str(ident) if ident not in (None, "") else None,
        url=_http(item.get("url") or item.get("external_url"), base),
        title=item.get("title") or None,
        content_html=item.get("content_html") or None,
        content_text=item.get("content_text") or None,
        summary=item.get("summary") or None,
        authors=[str(a["name"]) for a in authors],
        author_url=_http(authors[0].get("url"), base) if authors else None,
        published=parse_any_date(item.get("date_published"), tz),
        updated=parse_any_date(item.get("date_modified"), tz),
        tags=[str(t) for t in item.get("tags") or [] if t],
        media=media,
        language=_language(item.get("language")) or language,
    )
