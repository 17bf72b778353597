"""WordPress blogs: posts and their comments, from the REST API or, where it is off, the theme.

A WordPress thread is a post (kind "article", position 1, native id = the post id) with its
comments (kind "comment", native id = the comment id; parent = the comment it replies to, or
the post for a top-level comment). Positions follow the order the blog shows its comments:
oldest first, each comment followed by its replies, depth first. The container is the post's
first category by name (the order both the theme and the API list them in).

Where it starts: a site URL maps to ``<site>wp-json/wp/v2/posts?per_page=100&page=1&_embed=...``
(newest first, paged by the ``Link``/``X-WP-TotalPages`` headers). A thread's first page is
``/wp/v2/posts/<id>`` (the article; its embedded newest comments tell whether it has any) and
its later pages ``/wp/v2/comments?post=<id>&order=asc`` (100 a page). Where the REST API is
off, :meth:`WordPress.fallback_url` turns the API URL into the theme's page (see
``_wordpress_html``): a 404 from ``/wp-json/`` first retries the same route as
``?rest_route=`` (sites without pretty permalinks), a failure there or a 401/403 goes to HTML.

Author ids: the API shows user ids (numbers), the theme only nicenames (``byuser
comment-author-<nicename>``, ``/author/<nicename>/``); the id is whichever the page shows.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from crawler.extract.engines._wordpress_html import parse_html
from crawler.extract.engines._wordpress_rest import is_comment, is_post, parse_rest
from crawler.extract.engines._wordpress_urls import (
    api_url,
    post_id_of_route,
    posts_list_url,
    rest_route,
    site_home,
    uses_rest_route,
)
from crawler.extract.engines.base import Engine, KnownThread, Page, PageResult, ParseContext
from crawler.extract.sanitize import as_list

# What a site answers for an API route when its REST API is switched off or hidden.
REST_OFF = frozenset({401, 403, 404, 410})
# URLs of the theme's pages (a post, a list of posts) rather than of the site itself.
_CONTENT_PATH = re.compile(r"/(?:category|tag|author|page|search|comment-page-\d+)/|/\d{4}/"
                           r"|\.html?$|/feed/?$")
_CONTENT_QUERY = frozenset({"p", "page_id", "cat", "tag", "author", "s", "m", "cpage", "paged",
                            "name", "year"})
_ASSETS = ('link[rel="stylesheet"][href*="/wp-content/"]::attr(href), '
           'link[rel="stylesheet"][href*="/wp-includes/"]::attr(href), '
           'script[src*="/wp-content/"]::attr(src), script[src*="/wp-includes/"]::attr(src)')


def _detect_json(data: Any) -> str | None:
    first = data[0] if isinstance(data, list) and data else data
    if is_post(first):
        return 'REST API post JSON ("guid": {"rendered": ...})'
    if is_comment(first) and "author_avatar_urls" in first:
        return "REST API comment JSON (author_name, author_avatar_urls)"
    if isinstance(data, dict):
        if "wp/v2" in as_list(data.get("namespaces")):
            return 'REST API index (namespace "wp/v2")'
        if str(data.get("code", "")).startswith("rest_"):
            return f'REST API error "{data["code"]}"'
    return None


class WordPress(Engine):
    """WordPress 4.7+ (REST API) and any theme built on core's post and comment markup."""

    name = "wordpress"
    has_reply_to = True
    lists_by_activity = False  # blogs list posts by publication: a new comment moves nothing

    def detect(self, page: Page) -> str | None:
        if page.data is not None:
            return _detect_json(page.data)
        sel = page.selector
        for generator in sel.css('meta[name="generator"]::attr(content)').getall():
            if generator.strip().lower().startswith("wordpress"):
                return f'meta generator "{generator.strip()}"'
        if sel.css('link[rel="https://api.w.org/"]'):
            return 'link rel="https://api.w.org/"'
        if 'rel="https://api.w.org/"' in page.headers.get("link", ""):
            return 'Link header rel="https://api.w.org/"'
        if sel.css(_ASSETS):
            return "assets under /wp-content/ or /wp-includes/"
        return None

    def start_url(self, url: str) -> str:
        """An API URL as it is (an unknown route: the posts); a theme page (a post, a category,
        a page of a list) as it is; a site URL: the first page of its posts in the REST API."""
        route = rest_route(url)
        if route is not None:
            known = route.startswith(("/wp/v2/posts", "/wp/v2/comments"))
            return url if known else posts_list_url(url)
        parts = urlsplit(url)
        query = {key for key, _ in parse_qsl(parts.query)}
        if _CONTENT_PATH.search(parts.path) or query & _CONTENT_QUERY:
            return url
        path = parts.path.removesuffix("index.php")
        home = urlunsplit((parts.scheme, parts.netloc, path.rstrip("/") + "/", "", ""))
        return posts_list_url(home, pretty=True)

    def resume_url(self, known: KnownThread) -> str | None:
        """None: a changed thread is fetched whole. Replies are shown under their parent, so
        a new comment may land on any page, and an edited article only shows on the first."""
        del known
        return None

    def fallback_url(self, url: str, status: int) -> str | None:
        """For an API URL the site refused: the same route as ``?rest_route=`` after a 404 of
        ``/wp-json/``; otherwise the theme's page: the home page for the posts list, ``?p=<id>``
        for a post. Comments have no page of their own (None)."""
        route = rest_route(url)
        if route is None or status not in REST_OFF:
            return None
        if status == 404 and not uses_rest_route(url):
            params = [(k, v) for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)]
            return api_url(url, route, params, pretty=False)
        home = site_home(url)
        if route == "/wp/v2/posts":
            return home
        post_id = post_id_of_route(route)
        return f"{home}?p={post_id}" if post_id else None

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        if page.data is not None:
            return parse_rest(page, context)
        return parse_html(page, context)


ENGINE = WordPress()
