"""The blog's REST API (``/wp-json/wp/v2/...``) as WordPress 6.4 answers it."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from tests.sites.wordpress_blog import Article, Author, Blog, Comment
from tests.sites.wordpress_markup import SITE_TITLE, TAGLINE, comment_link, content_html

Json = dict[str, Any]
ApiReply = tuple[int, Any, dict[str, str]]  # status, JSON body, headers
NO_ROUTE = {"code": "rest_no_route",
            "message": "No route was found matching the URL and request method.",
            "data": {"status": 404}}
_POST = re.compile(r"^/wp/v2/posts/(\d+)$")


def _local(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def _gmt(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _avatars(author: Author) -> dict[str, str]:
    digest = hashlib.md5(author.name.encode(), usedforsecurity=False).hexdigest()
    return {str(s): f"https://secure.gravatar.com/avatar/{digest}?s={s}&d=mm&r=g"
            for s in (24, 48, 96)}


class Api:
    """Answers REST routes of one :class:`Blog` seen at ``base`` (the home URL)."""

    def __init__(self, blog: Blog, base: str, newest_first: bool) -> None:
        self.blog = blog
        self.base = base
        self.newest_first = newest_first

    def route(self, route: str, query: dict[str, list[str]]) -> ApiReply:
        """Status, JSON and headers for ``route`` with ``query``."""
        if route in ("", "/"):
            return 200, {"name": SITE_TITLE, "description": TAGLINE, "url": self.base[:-1],
                         "home": self.base[:-1], "namespaces": ["oembed/1.0", "wp/v2"],
                         "routes": {}}, {}
        if route == "/wp/v2/posts":
            return self._collection(route, query, self.blog.newest_first(), self.post)
        match = _POST.match(route)
        if match:
            article = self.blog.articles.get(int(match.group(1)))
            if article is None:
                return 404, {"code": "rest_post_invalid_id", "message": "ID pos tidak valid.",
                             "data": {"status": 404}}, {}
            return 200, self.post(article, _embeds(query)), {}
        if route == "/wp/v2/comments":
            return self._comments(route, query)
        return 404, NO_ROUTE, {}

    def _comments(self, route: str, query: dict[str, list[str]]) -> ApiReply:
        wanted = {int(v) for v in query.get("post", []) if v.isdigit()}
        found = [(c, a) for a in self.blog.articles.values() if not wanted or a.post_id in wanted
                 for c in a.comments]
        found.sort(key=lambda pair: (pair[0].date, pair[0].comment_id),
                   reverse=(query.get("order") or ["desc"])[0] != "asc")
        return self._collection(route, query, found, lambda pair, _: self.comment(*pair))

    def _collection(self, route: str, query: dict[str, list[str]], items: list[Any],
                    render: Any) -> ApiReply:
        per_page = int((query.get("per_page") or ["10"])[0])
        page = int((query.get("page") or ["1"])[0])
        if not 1 <= per_page <= 100:
            return 400, {"code": "rest_invalid_param", "message": "Invalid parameter(s): per_page",
                         "data": {"status": 400, "params": {"per_page": "per_page must be "
                                                            "between 1 (inclusive) and 100"}}}, {}
        pages = -(-len(items) // per_page)
        if page > max(pages, 1):
            return 400, {"code": "rest_post_invalid_page_number", "message": "The page number "
                         "requested is larger than the number of pages available.",
                         "data": {"status": 400}}, {}
        embeds = _embeds(query)
        body = [render(item, embeds) for item in items[(page - 1) * per_page:page * per_page]]
        params = [(k, v[0]) for k, v in query.items() if k != "page"]
        links = []
        for rel, number in (("prev", page - 1), ("next", page + 1)):
            if 1 <= number <= pages:
                target = f"{self.base}wp-json{route}?{urlencode([*params, ('page', number)])}"
                links.append(f'<{target}>; rel="{rel}"')
        headers = {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)}
        if links:
            headers["Link"] = ", ".join(links)
        return 200, body, headers

    def post(self, article: Article, embeds: set[str] | None) -> Json:
        """A post object (view context), with ``_embedded`` for the rels asked for."""
        api = f"{self.base}wp-json/wp/v2"
        data: Json = {
            "id": article.post_id, "date": _local(article.date), "date_gmt": _gmt(article.date),
            "guid": {"rendered": f"{self.base}?p={article.post_id}"},
            "modified": _local(article.modified), "modified_gmt": _gmt(article.modified),
            "slug": article.slug, "status": "publish", "type": "post",
            "link": f"{self.base}{article.path}",
            "title": {"rendered": article.title},
            "content": {"rendered": content_html(self.blog, article, article.segments,
                                                 self.base), "protected": False},
            "excerpt": {"rendered": "", "protected": False},
            "author": article.author.user_id, "featured_media": 0, "comment_status": "open",
            "ping_status": "open", "sticky": article.sticky, "template": "",
            "format": "standard", "meta": {"footnotes": ""},
            "categories": [c.term_id for c in article.categories], "tags": [],
            "_links": {
                "self": [{"href": f"{api}/posts/{article.post_id}"}],
                "author": [{"embeddable": True, "href": f"{api}/users/{article.author.user_id}"}],
                "replies": [{"embeddable": True, "href": f"{api}/comments?post={article.post_id}"}],
                "wp:term": [{"taxonomy": "category", "embeddable": True,
                             "href": f"{api}/categories?post={article.post_id}"},
                            {"taxonomy": "post_tag", "embeddable": True,
                             "href": f"{api}/tags?post={article.post_id}"}],
            },
        }
        if embeds is None:
            return data
        embedded: Json = {}
        if not embeds or "author" in embeds:
            author = article.author
            embedded["author"] = [{"id": author.user_id, "name": author.name, "url": author.url,
                                   "description": "", "link": f"{self.base}author/"
                                   f"{author.nicename}/", "slug": author.nicename,
                                   "avatar_urls": _avatars(author)}]
        newest = sorted(article.comments, key=lambda c: (c.date, c.comment_id), reverse=True)
        if (not embeds or "replies" in embeds) and newest:
            embedded["replies"] = [[self.comment(c, article, embed=True) for c in newest[:10]]]
        if not embeds or "wp:term" in embeds:
            embedded["wp:term"] = [[{
                "id": c.term_id, "link": f"{self.base}category/{c.path}",
                # WordPress stores term names HTML-escaped and the API returns them so.
                "name": c.name.replace("&", "&amp;"), "slug": c.slug, "taxonomy": "category",
            } for c in article.categories], []]
        data["_embedded"] = embedded
        return data

    def comment(self, comment: Comment, article: Article, embed: bool = False) -> Json:
        """A comment object (view context, or the smaller embed context)."""
        author = comment.author
        data: Json = {
            "id": comment.comment_id, "post": article.post_id, "parent": comment.parent,
            "author": author.user_id or 0, "author_name": author.name,
            "author_url": author.url, "date": _local(comment.date),
            "date_gmt": _gmt(comment.date),
            "content": {"rendered": content_html(self.blog, article, comment.segments,
                                                 self.base, comment=True)},
            "link": comment_link(self.base, article, comment.page, comment.comment_id,
                                 self.newest_first),
            "status": "approved", "type": "comment", "author_avatar_urls": _avatars(author),
            "meta": [],
        }
        if embed:
            for name in ("post", "date_gmt", "status", "meta"):
                del data[name]
        return data


def _embeds(query: dict[str, list[str]]) -> set[str] | None:
    """None: nothing embedded; an empty set: everything; else the rels named by ``_embed``."""
    if "_embed" not in query:
        return None
    value = query["_embed"][0]
    if value in ("", "1", "true"):
        return set()
    return {rel.strip() for rel in value.split(",") if rel.strip()}


def dumps(body: Any) -> str:
    """JSON as WordPress sends it (slashes escaped)."""
    return json.dumps(body, ensure_ascii=False).replace("/", "\\/")
