"""phpBB 3 (prosilver and derived styles): index -> boards -> topic lists -> topic pages."""

from __future__ import annotations

from spiders.forum import ForumSpider


class PhpbbSpider(ForumSpider):
    """A phpBB 3 board from its index, a board (viewforum) or a topic (viewtopic) URL.

    Parsing is crawler.extract.engines.phpbb; navigation and incremental crawls are ForumSpider's.
    """

    name = "phpbb"
    engine_name = "phpbb"
