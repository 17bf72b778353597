"""Flarum 1.x through its JSON:API: tags -> discussion lists -> discussions -> post pages."""

from __future__ import annotations

from spiders.forum import ForumSpider


class FlarumSpider(ForumSpider):
    """A Flarum forum from its home page, a tag (/t/slug), a discussion (/d/N) or an API URL.

    The start URL is mapped to the API (crawler.extract.engines.flarum.Flarum.start_url);
    parsing is crawler.extract.engines.flarum's, navigation and incremental crawls ForumSpider's.
    """

    name = "flarum"
    engine_name = "flarum"
