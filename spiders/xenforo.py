"""XenForo 2: forum list -> forums (and sub-forums) -> thread lists -> thread pages."""

from __future__ import annotations

from spiders.forum import ForumSpider


class XenForoSpider(ForumSpider):
    """A XenForo 2 forum from its home page, a category, a forum or a thread URL.

    Friendly URLs (``/threads/<slug>.<id>/``) and those of installations without URL
    rewriting (``/index.php?threads/<slug>.<id>/``) both work. Parsing is
    crawler.extract.engines.xenforo; navigation and incremental crawls are ForumSpider's.
    """

    name = "xenforo"
    engine_name = "xenforo"
