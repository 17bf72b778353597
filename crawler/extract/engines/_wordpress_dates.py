"""Dates on WordPress theme pages: ``time[datetime]`` where the theme writes it, else the text.

Themes write ``<time class="entry-date published" datetime="2024-03-18T10:05:00+07:00">`` for
posts and ``<time datetime=...>`` for comments; the text beside it is the site's date format
in the site's language ("18 Maret 2024 pukul 10:05", or "2 jam yang lalu" where a theme shows
relative times), parsed in the page's language when no attribute is there.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from parsel import Selector

from crawler.extract.dates import parse_forum_date, parse_iso
from crawler.extract.engines.base import ParseContext

PUBLISHED = ("time.entry-date, time.published, .wp-block-post-date time, .posted-on time, "
             ".entry-meta time, .post-date time")
PUBLISHED_TEXT = ("time.entry-date", ".wp-block-post-date time", ".wp-block-post-date",
                  ".posted-on time", ".entry-date", ".post-date", ".posted-on")
UPDATED = "time.updated, .wp-block-post-date.modified time"


def parse_stamp(value: str | None, context: ParseContext) -> datetime | None:
    """An ISO 8601 ``datetime`` attribute in the site's zone (a time without offset is one)."""
    return parse_iso(value, ZoneInfo(context.timezone))


def shown_date(node: Selector | None, sel: Selector, context: ParseContext) -> datetime | None:
    """The date ``node`` shows as text, in the page's language."""
    if node is None:
        return None
    language = sel.xpath("/html/@lang").get()
    return parse_forum_date(" ".join(node.css("::text").getall()), tz=context.timezone,
                            now=context.current(), languages=language)


def article_dates(node: Selector, sel: Selector,
                  context: ParseContext) -> tuple[datetime | None, datetime | None]:
    """(published, last modified if the page shows a later one) of a single post."""
    published = None
    for stamp in node.css(PUBLISHED):
        classes = set((stamp.attrib.get("class") or "").split())
        if "updated" in classes and "published" not in classes and "entry-date" not in classes:
            continue
        published = parse_stamp(stamp.attrib.get("datetime"), context)
        if published:
            break
    if published is None:
        published = parse_stamp(
            sel.css('meta[property="article:published_time"]::attr(content)').get(), context)
    for query in PUBLISHED_TEXT if published is None else ():
        shown = node.css(query)
        if shown:
            published = shown_date(shown[0], sel, context)
            break
    edited = None
    for stamp in [*node.css(UPDATED), *sel.css('meta[property="article:modified_time"]')]:
        value = stamp.attrib.get("datetime") or stamp.attrib.get("content")
        when = parse_stamp(value, context)
        if when and published and when > published:
            edited = when
            break
    return published, edited
