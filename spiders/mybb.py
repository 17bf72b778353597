"""MyBB 1.8: index.php -> forumdisplay.php (20 threads a page) -> showthread.php (20 posts)."""

from __future__ import annotations

from spiders.forum import ForumSpider


class MybbSpider(ForumSpider):
    """A MyBB 1.8 board from its index, a forum (forumdisplay.php) or a thread (showthread.php)
    URL; SEO URLs (thread-N.html) work too.

    Parsing is crawler.extract.engines.mybb; navigation and incremental crawls are ForumSpider's.
    """

    name = "mybb"
    engine_name = "mybb"
