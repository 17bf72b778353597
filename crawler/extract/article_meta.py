"""What an article page says about itself: publication date, authors, language, canonical URL.

Each is read from the most precise place first: schema.org JSON-LD, then ``<meta>`` tags,
then the page's visible text (Indonesian dates with WIB/WITA/WIT), then htmldate's search
of the whole page (a date without time, read as midnight in the site's zone).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from htmldate import find_date
from parsel import Selector

from crawler.extract.article_dates import has_time, parse_indonesian_date, parse_iso_date

ARTICLE_TYPES = ("Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle",
                 "AnalysisNewsArticle", "OpinionNewsArticle", "Report", "SocialMediaPosting",
                 "LiveBlogPosting", "TechArticle", "ScholarlyArticle")
# <meta> carrying the publication time, most common first (attribute, value).
PUBLISHED_META = (
    ("property", "article:published_time"), ("itemprop", "datePublished"),
    ("name", "pubdate"), ("name", "publishdate"), ("name", "publish-date"),
    ("name", "content_PublishedDate"), ("property", "og:published_time"),
    ("name", "DC.date.issued"), ("name", "dcterms.created"), ("name", "date"),
    ("name", "parsely-pub-date"), ("name", "sailthru.date"),
)
PUBLISHED_TIME = ("time[itemprop=datePublished]", "time.published", "time.entry-date",
                  "article time[datetime]", "time[pubdate]")
# Elements whose text shows the date on many news sites (Kompas "read__time", detik "date").
DATE_TEXT = ("//*[contains(@class,'date') or contains(@class,'time') or contains(@class,"
             "'tanggal') or contains(@class,'waktu') or contains(@class,'publish') or "
             "contains(@class,'posted') or contains(@id,'date') or self::time]")
NOT_A_BYLINE = {"admin", "administrator", "redaksi", "editor", "staff"}


def json_ld(sel: Selector) -> dict[str, Any]:
    """The page's first schema.org article node (JSON-LD; ``@graph`` and lists searched)."""
    for script in sel.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(script, strict=False)
        except ValueError:
            continue
        for node in _nodes(data):
            kinds = node.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(k in ARTICLE_TYPES for k in kinds if isinstance(k, str)):
                return node
    return {}


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _nodes(data["@graph"])


def published_date(sel: Selector, html: str, tz: str,
                   ld: dict[str, Any]) -> tuple[datetime | None, str]:
    """(publication time, where it was found: json-ld, meta, time, text, htmldate or none)."""
    found = parse_iso_date(_string(ld.get("datePublished")), tz)
    if found:
        return found, "json-ld"
    for attribute, name in PUBLISHED_META:
        for value in sel.xpath(f"//meta[translate(@{attribute},'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
                               f"'abcdefghijklmnopqrstuvwxyz')='{name.lower()}']/@content"
                               ).getall():
            found = parse_iso_date(value, tz) or parse_indonesian_date(value, tz)
            if found:
                return found, "meta"
    for query in PUBLISHED_TIME:
        for value in sel.css(f"{query}::attr(datetime)").getall():
            found = parse_iso_date(value, tz)
            if found:
                return found, "time"
    dated = None
    for node in sel.xpath(DATE_TEXT)[:200]:
        text = " ".join(node.xpath(".//text()").getall())
        if len(text) > 200:
            continue
        found = parse_indonesian_date(text, tz)
        if found and has_time(text):
            return found, "text"
        dated = dated or found
    if dated:
        return dated, "text"
    return _htmldate(html, tz), "htmldate"


def _htmldate(html: str, tz: str) -> datetime | None:
    try:
        day = find_date(html, extensive_search=True, original_date=True)
    except Exception:  # htmldate is defensive, but a page can be anything
        return None
    if not day:
        return None
    try:
        return datetime.combine(datetime.fromisoformat(day).date(), time(), ZoneInfo(tz))
    except ValueError:
        return None


def modified_date(sel: Selector, tz: str, ld: dict[str, Any]) -> datetime | None:
    """The last modification the page states (JSON-LD dateModified, article:modified_time)."""
    value = _string(ld.get("dateModified")) or sel.css(
        'meta[property="article:modified_time"]::attr(content)').get()
    return parse_iso_date(value, tz)


def authors(sel: Selector, ld: dict[str, Any]) -> tuple[list[str], str | None]:
    """(author names, the first author's profile URL) from JSON-LD, microdata or meta."""
    names: list[str] = []
    url = None
    raw = ld.get("author")
    for person in raw if isinstance(raw, list) else [raw]:
        if isinstance(person, dict) and _string(person.get("name")):
            names.append(_string(person["name"]).strip())
            url = url or _string(person.get("url"))
        elif isinstance(person, str) and person.strip():
            names.append(person.strip())
    if not names:  # microdata of the article, never of a comment on it
        names = [n.strip() for n in sel.xpath(
            "//*[@itemprop='author'][not(ancestor-or-self::*[contains(@itemtype, 'Comment')])]"
        ).css("[itemprop=name]::text, ::attr(content)").getall() if n.strip()]
    if not names:
        names = [n.strip() for n in sel.css(
            "a[rel=author]::text, .byline .author::text, .author .fn::text").getall()
            if n.strip()]
    if not names:
        meta = sel.css('meta[name="author"]::attr(content)').get()
        names = [n.strip() for n in (meta or "").replace(";", ",").split(",") if n.strip()]
    unique = list(dict.fromkeys(n for n in names if n.lower() not in NOT_A_BYLINE))
    return unique, url


def language(sel: Selector, ld: dict[str, Any]) -> str | None:
    """The page's language as a primary subtag (``id``, ``en``)."""
    for value in (sel.xpath("/html/@lang").get(), _string(ld.get("inLanguage")),
                  sel.css('meta[http-equiv="content-language" i]::attr(content)').get(),
                  sel.css('meta[name="language"]::attr(content)').get(),
                  sel.css('meta[property="og:locale"]::attr(content)').get()):
        if value and value.strip():
            code = value.strip().replace("_", "-").split("-", 1)[0].lower()
            if code.isalpha() and 2 <= len(code) <= 3:
                return code
    return None


def canonical_url(sel: Selector, page_url: str) -> str:
    """``<link rel=canonical>``, else ``og:url``, else the page's URL; a canonical that
    points an inner page at the home page (a common misconfiguration) is ignored."""
    for value in (sel.css('link[rel="canonical"]::attr(href)').get(),
                  sel.css('meta[property="og:url"]::attr(content)').get()):
        if not value or not value.strip():
            continue
        absolute = urljoin(page_url, value.strip())
        if not absolute.startswith(("http://", "https://")):
            continue
        if urlsplit(absolute).path in ("", "/") and urlsplit(page_url).path not in ("", "/"):
            continue
        return absolute
    return page_url


def _string(value: Any) -> str:
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, str) else ""
