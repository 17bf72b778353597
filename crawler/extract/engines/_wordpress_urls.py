"""WordPress URLs: REST routes in both spellings, the blog's home, comment pages, paging headers.

The REST API answers at ``<home>wp-json/<route>`` where pretty permalinks are on and at
``<home>?rest_route=<route>`` everywhere; every API URL the adapter builds keeps the spelling
of the URL it was derived from. Collections say where their next page is in a ``Link:
<...>; rel="next"`` header and how many pages there are in ``X-WP-TotalPages``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.extract.urls import canonicalize_url, query_param

# What a thread and a thread list embed: the post's author, its terms (categories first) and
# its newest comments (the replies collection, 10 newest first), which make the signature.
EMBED = "author,wp:term,replies"
PER_PAGE = 100  # the REST API's maximum per_page
_LINK = re.compile(r'<([^>]*)>\s*;([^,<]*)')
_REL_NEXT = re.compile(r'rel\s*=\s*"?([^";]*)"?')
_COMMENT_PAGE = re.compile(r"/comment-page-(\d+)/?$")
_POST_ROUTE = re.compile(r"^/wp/v2/posts/(\d+)$")


def rest_route(url: str) -> str | None:
    """The REST route of an API URL (``/wp/v2/posts``), or None for any other URL."""
    route = query_param(url, "rest_route")
    if route is not None:
        return "/" + route.strip("/")
    path = urlsplit(url).path
    if "/wp-json" not in path:
        return None
    rest = path.split("/wp-json", 1)[1]
    if rest and not rest.startswith("/"):
        return None  # e.g. /wp-jsonx
    return "/" + rest.strip("/")


def uses_rest_route(url: str) -> bool:
    """True for the ``?rest_route=`` spelling of an API URL."""
    return query_param(url, "rest_route") is not None


def site_home(url: str) -> str:
    """The blog's home URL (ending in ``/``) for one of its API URLs."""
    parts = urlsplit(url)
    if "/wp-json" in parts.path and not uses_rest_route(url):
        path = parts.path.split("/wp-json", 1)[0] + "/"
    else:
        path = parts.path.rsplit("/", 1)[0] + "/"  # drops index.php
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def api_url(reference: str, route: str, params: list[tuple[str, str]] | None = None,
            pretty: bool | None = None) -> str:
    """``route`` on the blog of ``reference``, spelled as ``reference`` spells its API
    (``pretty``: force ``/wp-json/`` (True) or ``?rest_route=`` (False))."""
    home = site_home(reference) if rest_route(reference) is not None else reference
    if pretty is None:
        pretty = not uses_rest_route(reference)
    pairs = list(params or [])
    if pretty:
        query = f"?{urlencode(pairs)}" if pairs else ""
        return canonicalize_url(f"{home}wp-json{route}{query}")
    return canonicalize_url(f"{home}?{urlencode([('rest_route', route), *pairs])}")


def posts_list_url(reference: str, page: int = 1, pretty: bool | None = None) -> str:
    """A page of the posts collection (newest first) with what a thread list needs embedded."""
    return api_url(reference, "/wp/v2/posts", [("per_page", str(PER_PAGE)), ("page", str(page)),
                                               ("_embed", EMBED)], pretty)


def thread_url(reference: str, post_id: str) -> str:
    """A thread's first page: the post itself, with its author, terms and newest comments."""
    return api_url(reference, f"/wp/v2/posts/{post_id}", [("_embed", EMBED)])


def comments_url(reference: str, post_id: str, page: int = 1) -> str:
    """A page of a post's comments, oldest first (the thread's later pages)."""
    return api_url(reference, "/wp/v2/comments", [
        ("post", post_id), ("per_page", str(PER_PAGE)), ("page", str(page)), ("order", "asc")])


def post_id_of_route(route: str | None) -> str | None:
    """The post id of a ``/wp/v2/posts/<id>`` route."""
    match = _POST_ROUTE.match(route or "")
    return match.group(1) if match else None


def next_api_page(url: str, headers: dict[str, str]) -> str | None:
    """The next page of a collection: the ``Link`` header's rel=next, else the page after this
    one when ``X-WP-TotalPages`` says there is one."""
    for target, params in _LINK.findall(headers.get("link", "")):
        rel = _REL_NEXT.search(params)
        if rel and "next" in rel.group(1).split():
            return canonicalize_url(target)
    total = headers.get("x-wp-totalpages", "").strip()
    page = query_param(url, "page") or "1"
    if total.isdigit() and page.isdigit() and int(page) < int(total):
        return with_param(url, "page", str(int(page) + 1))
    return None


def with_param(url: str, name: str, value: str) -> str:
    """``url`` with query parameter ``name`` set to ``value``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, value))
    return canonicalize_url(urlunsplit(parts._replace(query=urlencode(query))))


def comment_page(url: str) -> int | None:
    """The comment page a post URL shows (``/comment-page-2/``, ``cpage=2``), None: the post."""
    match = _COMMENT_PAGE.search(urlsplit(url).path)
    if match:
        return int(match.group(1))
    cpage = query_param(url, "cpage")
    return int(cpage) if cpage and cpage.isdigit() else None


def with_comment_page(url: str, page: int) -> str:
    """The URL of comment page ``page`` of the post that ``url`` shows, in its spelling."""
    parts = urlsplit(canonicalize_url(url))
    if query_param(url, "cpage") is not None or (query_param(url, "p") and
                                                  "comment-page-" not in parts.path):
        return with_param(url, "cpage", str(page))
    path = _COMMENT_PAGE.sub("", parts.path).rstrip("/") + f"/comment-page-{page}/"
    return canonicalize_url(urlunsplit(parts._replace(path=path)))


def post_url(url: str) -> str:
    """A post URL without its comment page: the thread's first page."""
    parts = urlsplit(canonicalize_url(url))
    path = _COMMENT_PAGE.sub("/", parts.path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cpage"]
    return canonicalize_url(urlunsplit(parts._replace(path=path, query=urlencode(query))))
