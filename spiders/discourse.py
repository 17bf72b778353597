"""Discourse via its JSON API: categories -> category topic lists -> topic pages."""

from __future__ import annotations

from spiders.forum import ForumSpider


class DiscourseSpider(ForumSpider):
    """A Discourse site from its home page, a category (``/c/...``) or a topic (``/t/...``) URL.

    Every URL is mapped to the JSON the site's own front end reads (``/categories.json``,
    ``/c/<slug>/<id>.json``, ``/t/<id>.json?page=N``). Parsing is
    crawler.extract.engines.discourse; navigation and incremental crawls are ForumSpider's.
    """

    name = "discourse"
    engine_name = "discourse"
