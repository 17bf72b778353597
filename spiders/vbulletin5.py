"""vBulletin 5 Connect: forum home -> channels -> topic lists -> topic pages."""

from __future__ import annotations

from spiders.forum import ForumSpider


class Vbulletin5Spider(ForumSpider):
    """A vBulletin 5 site from its forum home, a channel (``/forum/<channel>``) or a topic.

    Parsing is crawler.extract.engines.vbulletin5; navigation and incremental crawls are
    ForumSpider's.
    """

    name = "vbulletin5"
    engine_name = "vbulletin5"
