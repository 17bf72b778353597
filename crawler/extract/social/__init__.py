"""Public social channels: Telegram channel previews, Mastodon, Bluesky and Reddit.

One module per platform parses what that platform returns (a page or an API response) into
``PostItem``s; ``targets`` maps a source URL to the platform's endpoints and site key, and
``cursor`` describes the ThreadItem in which a crawl keeps the newest id it stored (the next
incremental crawl fetches only what is newer). Nothing here fetches anything.
"""

from __future__ import annotations

from crawler.extract.social.cursor import CURSOR_PREFIX, Cursor, cursor_item, find_cursor
from crawler.extract.social.targets import SOCIAL_KINDS, SocialTarget, parse_target

__all__ = ["CURSOR_PREFIX", "SOCIAL_KINDS", "Cursor", "SocialTarget", "cursor_item",
           "find_cursor", "parse_target"]
