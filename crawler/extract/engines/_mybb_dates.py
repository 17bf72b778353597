"""MyBB dates: "03-18-2024, 10:05 AM", relative spans with the full date in their title.

MyBB 1.8 shows recent times relatively and keeps the absolute time in a ``title``:
``<span title="03-18-2024">Hari ini</span>, 10:05 AM`` and
``<span title="03-18-2024, 08:05 AM">2 jam yang lalu</span>``. The numeric date follows the
board's ``dateformat`` setting (default ``m-d-Y``, often ``d-m-Y``), which the page does not
name: :func:`date_order` reads it from the dates the page shows.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from parsel import Selector, SelectorList

from crawler.extract.dates import parse_forum_date
from crawler.extract.engines.base import ParseContext
from crawler.items import normalize_text

# A numeric date: 03-18-2024, 18.03.2024, 03/18/24 (not part of a longer number or version).
_NUMERIC = re.compile(r"(?<![\w.])(\d{1,2})([-./])(\d{1,2})\2(\d{4}|\d{2})(?![\w.])")
# Where MyBB's templates put dates (post heads, thread and forum lists, quotes, edit notes).
_DATE_TEXTS = ("//span[contains(@class, 'post_date') or contains(@class, 'lastpost') or "
               "contains(@class, 'edited_post')]//text() | //span/@title | //cite/span//text() | "
               "//td[contains(@class, 'trow')]/span[@class='smalltext']/text()")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|\d{1,2}[-./]\d{1,2}[-./]\d{2}")
_ISO_CLOCK = re.compile(r"(\d{4})-(\d\d)-(\d\d),?\s+(\d{1,2}):(\d\d)(?::(\d\d))?\s*([AaPp][Mm])?")
_TODAY_WORDS = ("hari ini", "today")
_YESTERDAY_WORDS = ("kemarin", "yesterday")
MDY, DMY = "MDY", "DMY"


def _numeric_order(first: int, second: int) -> str | None:
    if first > 12 >= second:
        return DMY
    if second > 12 >= first:
        return MDY
    return None


def _order_from_relative(sel: Selector, context: ParseContext) -> str | None:
    """A "Today"/"Yesterday" span dates itself: its title is today's or yesterday's date."""
    today = context.current().date()
    for span in sel.xpath("//span[@title]"):
        word = normalize_text(" ".join(span.css("::text").getall())).lower()
        match = _NUMERIC.fullmatch((span.attrib.get("title") or "").strip())
        if match is None or word not in (*_TODAY_WORDS, *_YESTERDAY_WORDS):
            continue
        day = today if word in _TODAY_WORDS else today - timedelta(days=1)
        first, second = int(match.group(1)), int(match.group(3))
        if (first, second) == (day.month, day.day) and first != second:
            return MDY
        if (first, second) == (day.day, day.month) and first != second:
            return DMY
    return None


def date_order(sel: Selector, context: ParseContext) -> str:
    """``"DMY"`` or ``"MDY"``: the day/month order of the page's numeric dates.

    A date whose first or second number exceeds 12 decides; so does a "Today" span's title.
    Without evidence, MyBB's default ``m-d-Y``.
    """
    for match in _NUMERIC.finditer(" ".join(sel.xpath(_DATE_TEXTS).getall())):
        order = _numeric_order(int(match.group(1)), int(match.group(3)))
        if order:
            return order
    return _order_from_relative(sel, context) or MDY


def _iso(text: str, order: str) -> str:
    """Numeric dates rewritten as ISO ``YYYY-MM-DD`` in the given order."""

    def rewrite(match: re.Match[str]) -> str:
        first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
        month, day = (first, second) if order == MDY else (second, first)
        if month > 12 >= day:  # this date itself shows the other order
            month, day = day, month
        full = int(year) if len(year) == 4 else 2000 + int(year)
        if full > datetime.now().year + 1:  # a two-digit year of the last century
            full -= 100
        return f"{full:04d}-{month:02d}-{day:02d}"

    return _NUMERIC.sub(rewrite, text)


def shown_text(el: Any, stop: tuple[str, ...] = ("a", "br"),
               stop_classes: frozenset[str] = frozenset({"post_edit"})) -> str:
    """The text of a date element up to its first link or line break, each titled span
    replaced by its title (the absolute time behind "Hari ini" or "2 jam yang lalu") unless
    the span shows a dated text itself (some themes title it with another zone's time)."""
    parts = [el.text or ""]
    for child in el:
        if not isinstance(child.tag, str):
            parts.append(child.tail or "")
            continue
        if child.tag in stop or set((child.get("class") or "").split()) & stop_classes:
            break
        shown, title = "".join(child.itertext()), child.get("title")
        relative = child.tag == "span" and title and not _YEAR.search(shown)
        parts.append(title if relative else shown)
        parts.append(child.tail or "")
    return normalize_text(" ".join(parts))


def _exact(text: str, zone: str) -> datetime | None:
    """The common case without dateparser: ``2024-03-18, 10:05 AM`` (ISO day, clock)."""
    match = _ISO_CLOCK.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, half = match.groups()
    hour_24 = int(hour)
    if half:
        if not 1 <= hour_24 <= 12:
            return None
        hour_24 = hour_24 % 12 + (12 if half.upper() == "PM" else 0)
    try:
        return datetime(int(year), int(month), int(day), hour_24, int(minute),
                        int(second or 0), tzinfo=ZoneInfo(zone))
    except (ValueError, KeyError):
        return None


def parse_date(text: str, order: str, language: str | None,
               context: ParseContext) -> datetime | None:
    """A shown MyBB date (numeric in ``order``, worded or relative) as an aware datetime."""
    if not text:
        return None
    iso = _iso(text, order)
    return _exact(iso, context.timezone) or parse_forum_date(
        iso, tz=context.timezone, now=context.current(), languages=language)


def element_date(node: SelectorList[Selector], order: str, language: str | None,
                 context: ParseContext) -> datetime | None:
    """The date an element (``span.post_date``, ``span.lastpost``) shows first."""
    if not node:
        return None
    return parse_date(shown_text(node[0].root), order, language, context)


def edit_date(node: SelectorList[Selector], order: str, language: str | None,
              context: ParseContext) -> datetime | None:
    """The time of ``span.edited_post``: "(Tulisan ini terakhir diubah: DATE oleh budi.)"."""
    if not node:
        return None
    text = shown_text(node[0].root).strip("() .")
    text = text.split(": ", 1)[1] if ": " in text else text
    words = text.split()
    if len(words) > 1 and words[-1].isalpha() and words[-1].lower() not in ("am", "pm"):
        text = " ".join(words[:-1])  # the "by"/"oleh" before the editor's link
    return parse_date(text, order, language, context)
