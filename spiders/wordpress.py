"""WordPress blogs: posts and their threaded comments, REST API first, the theme's HTML after."""

from __future__ import annotations

from spiders.forum import ForumSpider


class WordpressSpider(ForumSpider):
    """A WordPress site from its home URL (or an API URL, a category or a single post URL).

    A site URL starts at the REST API's posts (``wp-json/wp/v2/posts``); a thread is a post
    with its comments. Where the API answers 401/403/404 the crawl goes on with the theme's
    pages. Parsing is crawler.extract.engines.wordpress; navigation and incremental crawls are
    ForumSpider's.
    """

    name = "wordpress"
    engine_name = "wordpress"
