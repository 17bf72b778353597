"""vBulletin 4 or 5, chosen page by page: index -> forums/channels -> thread lists -> threads."""

from __future__ import annotations

from spiders.forum import ForumSpider


class VbulletinSpider(ForumSpider):
    """A vBulletin board of either major version (``engine: vbulletin``).

    Parsing is crawler.extract.engines.vbulletin, which hands each page to the vBulletin 4
    or 5 adapter whose fingerprint it shows; navigation and incremental crawls are
    ForumSpider's.
    """

    name = "vbulletin"
    engine_name = "vbulletin"
