"""Simple Machines Forum 2.0/2.1: index.php -> ?board=N.S -> ?topic=N.S (PHPSESSID dropped)."""

from __future__ import annotations

from spiders.forum import ForumSpider


class SmfSpider(ForumSpider):
    """An SMF 2.0 or 2.1 forum from its board index, a board (``index.php?board=N.0``) or a
    topic (``index.php?topic=N.0``, ``index.php?msg=N``) URL.

    Parsing is crawler.extract.engines.smf; navigation and incremental crawls are ForumSpider's.
    """

    name = "smf"
    engine_name = "smf"
