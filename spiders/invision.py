"""Invision Community 4 (IPS): forums index -> forums -> topic lists -> topic pages."""

from __future__ import annotations

from spiders.forum import ForumSpider


class InvisionSpider(ForumSpider):
    """An Invision Community 4 site from its forums index (``/forums/`` or the site root), a
    forum (``/forums/forum/2-slug/``) or a topic (``/forums/topic/45-slug/``) URL; rewritten
    and ``index.php?/...`` friendly URLs alike.

    Parsing is crawler.extract.engines.invision; navigation and incremental crawls are
    ForumSpider's. Topic lists are sorted by latest post with the reply count and the last
    post's time as each topic's signature.
    """

    name = "invision"
    engine_name = "invision"
