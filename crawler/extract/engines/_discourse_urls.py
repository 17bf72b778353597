"""Discourse URLs: the site's base path, topic JSON URLs, and how a topic's pages follow on."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.extract.urls import canonicalize_url, query_param

CHUNK_SIZE = 20  # TopicView.chunk_size: posts per topic page
# First path segments of Discourse routes; what precedes one is the site's base path.
_ROUTES = frozenset({
    "t", "c", "u", "g", "p", "latest", "categories", "posts", "top", "new", "hot", "unread",
    "tag", "tags", "groups", "site", "about", "search", "session", "badges", "users", "faq",
    "guidelines", "tos", "privacy", "my", "admin", "raw", "print", "filter", "directory_items",
})


def site_root(url: str) -> str:
    """The site's base URL (ending in ``/``, subfolder installs included) for any of its URLs."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    for i, segment in enumerate(segments):
        if segment.split(".", 1)[0] in _ROUTES:
            segments = segments[:i]
            break
    return urlunsplit((parts.scheme, parts.netloc, "/" + "".join(f"{s}/" for s in segments),
                       "", ""))


def topic_url(root: str, topic_id: str | int, page: int = 1) -> str:
    """A topic's JSON: its first page, or ``?page=N`` (20 posts a page)."""
    return canonicalize_url(f"{root}t/{topic_id}.json" + (f"?page={page}" if page > 1 else ""))


def topic_path(url: str) -> tuple[str | None, str | None]:
    """(topic id, what follows it: a post number or "posts") of a ``/t/...`` URL."""
    root_path = urlsplit(site_root(url)).path
    rest = [s for s in urlsplit(url).path[len(root_path):].split("/") if s]
    if not rest or rest[0] != "t":
        return None, None
    rest = [s.removesuffix(".json") for s in rest[1:]]
    if rest and not rest[0].isdigit():
        rest = rest[1:]  # the slug
    if not rest or not rest[0].isdigit():
        return None, None
    return rest[0], (rest[1] if len(rest) > 1 else None)


def json_url(base: str, href: str) -> str:
    """A list URL as Discourse links it (``/c/x/4/l/latest?page=1``) as its JSON twin."""
    parts = urlsplit(urljoin(base, href))
    path = parts.path if parts.path.endswith(".json") else parts.path.rstrip("/") + ".json"
    return canonicalize_url(urlunsplit(parts._replace(path=path)))


def as_int(value: Any) -> int | None:
    """An id or number from JSON (an int, or a string of digits); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def paging(url: str, root: str, topic_id: str, posts: list[dict[str, Any]], stream: list[int],
           chunk: int) -> tuple[set[str] | None, str | None]:
    """(the posts of this response to keep (None: all), the next page) from the stream.

    A page-aligned response (``/t/<id>.json?page=N``) continues at page N+1. A chunk around a
    post number continues at the aligned page after its last post, and keeps only its posts
    before that page so none is yielded twice. Without a stream (a megatopic, ``posts.json``),
    ``posts.json?post_number=<last>&asc=true`` continues while chunks are full.
    """
    _, after = topic_path(url)
    numbers = [n for p in posts if (n := as_int(p.get("post_number"))) is not None]
    if not stream:
        follows = after == "posts" and query_param(url, "asc") == "true"
        if (follows or after is None) and numbers and len(posts) >= chunk:
            return None, canonicalize_url(f"{root}t/{topic_id}/posts.json?asc=true"
                                          f"&post_number={max(numbers)}")
        return None, None
    places = {pid: i for i, pid in enumerate(stream)}
    found = [places[i] for p in posts if (i := as_int(p.get("id"))) in places]
    if not found or max(found) + 1 >= len(stream) or after == "posts":
        return None, None
    if after is None:
        return None, topic_url(root, topic_id, (as_int(query_param(url, "page")) or 1) + 1)
    start = (max(found) + 1) // chunk * chunk
    if start <= min(found):
        return None, topic_url(root, topic_id, start // chunk + 1)
    keep = {str(p["id"]) for p in posts if places.get(as_int(p.get("id")) or -1, -1) < start}
    return keep, topic_url(root, topic_id, start // chunk + 1)
