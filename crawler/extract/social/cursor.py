"""The cursor of a channel, timeline, feed or subreddit: the newest item a crawl stored.

It travels as a ThreadItem whose native id is ``cursor:<kind>:<name>`` (never a post's
thread), stored by the writer like any thread's resume point (``threads`` row, migration
0003) and handed to the next crawl among ``known_threads``:

- ``signature``: the newest item's paging key (Telegram message number, Mastodon status id
  on the crawled instance, Bluesky feed time, Reddit id in base 10);
- ``last_post_native_id``: that item's native id; ``post_count``: items the run stored;
- ``complete`` is always false: a channel is never judged for deletions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.items import ThreadItem

CURSOR_PREFIX = "cursor:"


@dataclass(frozen=True, slots=True)
class Cursor:
    """What the last crawl stored of a target (from its known_threads row)."""

    key: str  # the newest paging key (see the module docstring)
    native_id: str | None  # the newest item's native id


def find_cursor(known_threads: list[dict[str, Any]] | None, cursor_id: str) -> Cursor | None:
    """The stored cursor ``cursor_id`` among the spider's ``known_threads``, if any."""
    for row in known_threads or []:
        if row.get("native_id") == cursor_id and row.get("signature"):
            return Cursor(str(row["signature"]), row.get("last_post_native_id"))
    return None


def cursor_item(cursor_id: str, url: str, title: str | None, key: str, newest_native_id: str,
                native_ids: list[str], page_url: str) -> ThreadItem:
    """The ThreadItem that moves the cursor to ``key`` after the items ``native_ids`` were
    yielded (the storage pipeline writes them before it records the cursor)."""
    return ThreadItem(
        native_id=cursor_id, url=url, title=title, container=None,
        post_native_ids=list(native_ids), pages=1, complete=False, signature=key,
        last_page_url=page_url, last_page_position=None, post_count=len(native_ids),
        last_post_native_id=newest_native_id,
    )
