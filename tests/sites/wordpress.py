"""A WordPress blog serving the demo forum: REST API, Twenty Twenty-One or Twenty Twenty-Four.

Pretty permalinks (``/%year%/%monthnum%/%day%/%postname%/``), 10 posts a page (``/page/N/``),
comments threaded 5 deep and paged 50 top-level comments a page with WordPress's default "last
page first" (``newest_first``), the REST API at ``/wp-json/`` and ``?rest_route=`` unless
``rest`` is off (then every API URL answers 404 ``rest_no_route``, as "disable REST API"
plugins do). ``truth(server, path)`` is what a crawl through either path must produce.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from crawler.demosite.model import Forum, QuoteRef, Segment
from crawler.demosite.server import Reply, SiteServer
from crawler.extract.engines import Page
from tests.sites import wordpress_tt1 as tt1
from tests.sites import wordpress_tt4 as tt4
from tests.sites.wordpress_api import NO_ROUTE, Api, dumps
from tests.sites.wordpress_blog import POSTS_PER_PAGE, Article, Author, Blog, Comment, own_text

ROBOTS_TXT = ("User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
              "Sitemap: {base}wp-sitemap.xml\n")
_SINGLE = re.compile(r"^(\d{4}/\d{2}/\d{2}/[^/]+/)(?:comment-page-(\d+)/)?$")
_LISTED = re.compile(r"^(?:category/((?:[^/]+/)+?))?(?:page/(\d+)/)?$")
HTML = "text/html; charset=UTF-8"
JSON = "application/json; charset=UTF-8"

TruthRow = tuple[str, str, str, str, str, int, str, str | None, datetime, str,
                 tuple[str, ...], str | None]


class WordPressServer(SiteServer):
    """Serves a :class:`Forum` as a WordPress 6.4 blog (see the module docstring)."""

    def __init__(self, forum: Forum, *, rest: bool = True, theme: str = "twentytwentyone",
                 newest_first: bool = True, sticky: frozenset[int] = frozenset({11}),
                 prefix: str = "/") -> None:
        super().__init__(forum, prefix=prefix)
        self.rest = rest
        self.theme = theme
        self.newest_first = newest_first
        self.sticky = sticky
        self._headers = threading.local()
        self._blog: tuple[object, Blog] | None = None

    def blog(self) -> Blog:
        """The current forum as a blog (built again whenever a post was added, edited or
        deleted)."""
        state = (id(self.forum), self.sticky, tuple(
            (p.post_id, p.edit_count, p.reply_to) for p in self.forum.all_posts()))
        if self._blog is None or self._blog[0] != state:
            self._blog = (state, Blog(self.forum, self.sticky))
        return self._blog[1]

    def headers(self, target: str) -> dict[str, str]:
        del target
        return getattr(self._headers, "value", {})

    def respond(self, target: str, host: str) -> Reply:
        self._headers.value = {}
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        base = f"http://{host}{self.prefix}"
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT.format(base=base)
        if not parts.path.startswith(self.prefix):
            return self._not_found(base)
        path = parts.path[len(self.prefix):]
        with self.lock:
            blog = self.blog()
            if path.startswith("wp-json") or "rest_route" in query:
                route = query["rest_route"][0] if "rest_route" in query else path[7:]
                return self._api(blog, base, "/" + route.strip("/"), query)
            if "p" in query and path == "":
                article = blog.articles.get(int(query["p"][0] or 0))
                if article is None:
                    return self._not_found(base)
                self._headers.value = {"Location": f"{base}{article.path}"}
                return 301, HTML, ""
            return self._html(blog, base, path)

    def _api(self, blog: Blog, base: str, route: str, query: dict[str, list[str]]) -> Reply:
        if not self.rest:
            return 404, JSON, dumps(NO_ROUTE)
        status, body, headers = Api(blog, base, self.newest_first).route(route, query)
        self._headers.value = {**headers, "Allow": "GET"}
        return status, JSON, dumps(body)

    def _html(self, blog: Blog, base: str, path: str) -> Reply:
        theme = tt4 if self.theme == "twentytwentyfour" else tt1
        single = _SINGLE.match(path)
        if single:
            article = blog.by_path(single.group(1))
            cpage = int(single.group(2)) if single.group(2) else None
            if article is None or (cpage or 1) > article.comment_pages:
                return self._not_found(base)
            page = cpage or (article.comment_pages if self.newest_first else 1)
            canonical = f"{base}{article.path}" + (f"comment-page-{cpage}/" if cpage else "")
            order = blog.newest_first()
            index = order.index(article)
            neighbours = (order[index + 1] if index + 1 < len(order) else None,
                          order[index - 1] if index else None)
            return 200, HTML, theme.single_page(blog, base, article, page, canonical,
                                                self.newest_first, self.rest, neighbours)
        listed = _LISTED.match(path)
        if not listed:
            return self._not_found(base)
        archive = None
        articles = blog.newest_first()
        if listed.group(1):
            archive = next((c for c in blog.categories.values() if c.path == listed.group(1)),
                           None)
            if archive is None:
                return self._not_found(base)
            articles = blog.in_category(archive)
        page = int(listed.group(2) or 1)
        pages = max(1, -(-len(articles) // POSTS_PER_PAGE))
        if page > pages:
            return self._not_found(base)
        shown = articles[(page - 1) * POSTS_PER_PAGE:page * POSTS_PER_PAGE]
        if archive is None and page == 1:  # sticky posts lead the home page
            stuck = [a for a in articles if a.sticky]
            shown = stuck + [a for a in shown if not a.sticky]
        return 200, HTML, theme.list_page(blog, base, shown, page, pages, archive, self.rest)

    def _not_found(self, base: str) -> Reply:
        body = tt1.frame(base, "Halaman tidak ditemukan", "error404", '<h1 class="page-title">'
                         "Tidak ada yang ditemukan</h1>", self.rest)
        return 404, HTML, body


def truth(server: WordPressServer, path: str = "rest") -> set[TruthRow]:
    """Every post and comment as a crawl must produce it: (native_id, kind, thread_native_id,
    thread_title, container, position, author_name, author_id, published_at, body_text,
    quoted_native_ids, parent_native_id).

    ``path`` "rest": author ids are user ids (a deleted account keeps its id, as the API
    shows it); "html": nicenames of existing accounts (the theme shows nothing else).
    """
    blog = server.blog()
    rows: set[TruthRow] = set()
    for article in blog.articles.values():
        container = article.categories[0].name if article.categories else ""
        rows.add((str(article.post_id), "article", str(article.post_id), article.title,
                  container, 1, article.author.name, _author_id(article.author, path),
                  article.date, own_text(article.segments), (), None))
        for position, comment in enumerate(article.display_order(), start=2):
            quoted = tuple(blog.quoted_id(article, q)[0] for q in _quotes(comment.segments))
            rows.add((str(comment.comment_id), "comment", str(article.post_id), article.title,
                      container, position, comment.author.name,
                      _author_id(comment.author, path), comment.date,
                      own_text(comment.segments), quoted,
                      str(comment.parent or article.post_id)))
    return rows


def _author_id(author: Author, path: str) -> str | None:
    if author.user_id is None:
        return None
    if path == "rest":
        return str(author.user_id)
    return None if author.deleted else author.nicename


def _quotes(segments: list[Segment]) -> list[QuoteRef]:
    return [s for s in segments if isinstance(s, QuoteRef)]


# -- lookups for tests -------------------------------------------------------------------


def fetch(url: str) -> Page:
    """A page as the spider sees it (redirects followed, errors kept)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only
    try:
        with opener.open(url, timeout=10) as reply:
            return Page.from_bytes(reply.url, reply.read(), dict(reply.headers), reply.status)
    except urllib.error.HTTPError as err:
        return Page.from_bytes(url, err.read(), dict(err.headers), err.code)


def paged(blog: Blog) -> Article:
    """A post whose comments fill two comment pages."""
    return next(a for a in blog.newest_first() if a.comment_pages == 2)


def find(blog: Blog, test: Callable[[Comment], object]) -> tuple[Article, Comment]:
    """The first comment (newest post first) that passes ``test``."""
    return next((a, c) for a in blog.newest_first() for c in a.comments if test(c))


def quoting(blog: Blog, of_article: bool) -> tuple[Article, Comment]:
    """A comment quoting the post (``of_article``) or quoting only other comments."""
    for article in blog.newest_first():
        for comment in article.comments:
            quotes = [s for s in comment.segments if isinstance(s, QuoteRef)]
            kinds = {blog.quoted_id(article, q)[1] for q in quotes}
            if quotes and (of_article in kinds) and (of_article or kinds == {False}):
                return article, comment
    raise AssertionError("no such comment")


__all__ = ["Article", "WordPressServer", "fetch", "find", "paged", "quoting", "truth"]
