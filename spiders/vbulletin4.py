"""vBulletin 4: forumhome -> forumdisplay (thread lists) -> showthread pages."""

from __future__ import annotations

from spiders.forum import ForumSpider


class Vbulletin4Spider(ForumSpider):
    """A vBulletin 4 board from forumhome (index.php/forum.php), a forum or a thread URL.

    Parsing is crawler.extract.engines.vbulletin4: guests' ``s=`` session hashes are dropped
    and threads in any friendly-URL form are fetched as ``showthread.php?t=N&page=P``;
    navigation and incremental crawls are ForumSpider's.
    """

    name = "vbulletin4"
    engine_name = "vbulletin4"
