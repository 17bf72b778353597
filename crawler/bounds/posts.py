"""What a post may carry into the database: plausible dates, storable text, bounded size.

``PostBounds.check`` runs in the normalize pipeline on every ``PostItem``, whatever engine
made it. The rules (docs/reliability.md):

- **Dates.** ``published_at`` and ``edited_at`` later than one day after the post was seen,
  or before 1971-01-01 (epoch-zero and year-one placeholders), are impossible: they are
  dropped, so the post is stored with ``published_at`` NULL and ``published_via``
  ``first_seen``, and the run records a ``date`` error. A date without a time zone is read
  in the source's zone.
- **Text.** NUL characters and unpaired UTF-16 surrogates (JSON ``\\u0000``/``\\ud800``
  escapes) cannot be stored by PostgreSQL; they are removed from every text field.
- **Size.** A body longer than PANTAU_MAX_POST_CHARS characters is cut there (and the run
  records ``too_large``); titles are cut at 1,000 characters, quotes like bodies, links
  and media lists at 1,000 entries; raw markup longer than four times the body limit is
  not kept.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import PostItem
from crawler.middlewares import record_error

DEFAULT_MAX_CHARS = 200_000
EARLIEST = datetime(1971, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
MAX_TITLE_CHARS = 1_000
MAX_LIST_ENTRIES = 1_000
RAW_FACTOR = 4
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_LIST_FIELDS = ("quoted_native_ids", "quoted_text", "links", "media")


def storable(value: Any) -> Any:
    """``value`` with NUL characters and lone surrogates removed from every string in it."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("", value) if _UNSTORABLE.search(value) else value
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value


def plausible(value: datetime | None, seen_at: datetime, zone: ZoneInfo) -> datetime | None:
    """``value`` (a naive one read in ``zone``) when a post can have been written then."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=zone)
    try:
        return value if EARLIEST <= value <= seen_at + FUTURE_SLACK else None
    except OverflowError:  # year 1 or 9999 at an offset: outside what datetimes can hold
        return None


class PostBounds:
    """Applies the rules above to one item, in place, and records what it changed."""

    def __init__(self, max_chars: int, timezone: str = "Asia/Jakarta",
                 stats: StatsCollector | None = None) -> None:
        self.max_chars = max_chars
        self.zone = ZoneInfo(timezone)
        self.stats = stats

    @classmethod
    def for_crawler(cls, crawler: Crawler | None, timezone: str) -> PostBounds:
        """The bounds of a crawl (PANTAU_MAX_POST_CHARS); defaults without a crawler."""
        if crawler is None:
            return cls(DEFAULT_MAX_CHARS, timezone)
        return cls(crawler.settings.getint("PANTAU_MAX_POST_CHARS", DEFAULT_MAX_CHARS),
                   timezone, crawler.stats)

    def check(self, item: PostItem, seen_at: datetime) -> PostItem:
        """``item``, made storable: see the module docstring."""
        for name in item.__slots__:  # every text, list and dict field, whatever is added
            value = getattr(item, name)
            if isinstance(value, str | list | dict):
                setattr(item, name, storable(value))
        for name in _LIST_FIELDS:
            setattr(item, name, getattr(item, name)[:MAX_LIST_ENTRIES])
        self._dates(item, seen_at)
        self._sizes(item)
        return item

    def _dates(self, item: PostItem, seen_at: datetime) -> None:
        for name in ("published_at", "edited_at"):
            value = getattr(item, name)
            kept = plausible(value, seen_at, self.zone)
            if value is not None and kept is None:
                self._record("date", item.url, f"post {item.native_id}: {name} {value} is "
                             "impossible (before 1971 or after it was seen); not stored")
            setattr(item, name, kept)

    def _sizes(self, item: PostItem) -> None:
        length = len(item.body_text)
        if length > self.max_chars:
            item.body_text = item.body_text[:self.max_chars]
            self._record("too_large", item.url, f"post {item.native_id}: body of {length} "
                         f"characters cut to {self.max_chars} (PANTAU_MAX_POST_CHARS)")
        if item.title is not None and len(item.title) > MAX_TITLE_CHARS:
            item.title = item.title[:MAX_TITLE_CHARS]
        if item.thread_title is not None and len(item.thread_title) > MAX_TITLE_CHARS:
            item.thread_title = item.thread_title[:MAX_TITLE_CHARS]
        item.quoted_text = [q[:self.max_chars] for q in item.quoted_text]
        if item.raw is not None and len(item.raw) > self.max_chars * RAW_FACTOR:
            item.raw = None

    def _record(self, kind: str, url: str, message: str) -> None:
        record_error(self.stats, kind, url, message)
