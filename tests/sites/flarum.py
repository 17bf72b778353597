"""A Flarum 1.x fixture site: the demo forum served through Flarum's JSON:API and HTML shell.

Routes as Flarum's: ``/api``, ``/api/tags``, ``/api/discussions`` (``filter[tag]``, ``sort``,
``page[offset]``/``page[limit]``, 20 a page), ``/api/discussions/N`` (every post id, the first
20 posts or ``page[near]``), ``/api/posts`` (``filter[discussion]`` or ``filter[id]``), and the
front end's ``/``, ``/all``, ``/d/N-slug[/near]``, ``/t/slug``, ``/u/name``, ``/tags``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from crawler.demosite.model import Forum, TruthPost, build_forum
from crawler.demosite.server import ROBOTS_TXT, Reply, SiteServer
from tests.sites.flarum_data import FlarumData
from tests.sites.flarum_markup import hex_json, shown_text
from tests.sites.flarum_pages import ApiError, FlarumPages

API_TYPE = "application/vnd.api+json"
HTML_TYPE = "text/html; charset=utf-8"


def build_flarum_forum(now: datetime | None = None) -> Forum:
    """The standard demo forum with two edited posts (Flarum shows ``editedAt``)."""
    forum = build_forum(now=now)
    threads = [t for t in forum.threads.values() if len(t.posts) > 3]
    forum.edit_post(threads[0].posts[1].post_id, "Ralat: jadwalnya diundur ke pekan depan.")
    forum.edit_post(threads[-1].posts[2].post_id, "Sudah saya perbaiki, terima kasih.")
    return forum


def _default_deleted(forum: Forum) -> frozenset[int]:
    """The member with the fewest posts (not the admin): their account was deleted."""
    counts: dict[int, int] = {}
    for post in forum.all_posts():
        if post.author_id is not None and post.author_id != 2:
            counts[post.author_id] = counts.get(post.author_id, 0) + 1
    return frozenset({min(counts, key=lambda uid: (counts[uid], uid))})


def _default_sticky(forum: Forum) -> frozenset[int]:
    """A long discussion of the first board and the oldest one of Warung Kopi are stickied."""
    long = min(t.thread_id for t in forum.threads.values()
               if t.forum_id == 2 and len(t.posts) > 25)
    cafe = min(t.thread_id for t in forum.threads.values() if t.forum_id == 7)
    return frozenset({long, cafe})


def _params(query: str) -> dict[str, Any]:
    """``filter[tag]=x&page[offset]=20`` as ``{"filter": {"tag": "x"}, "page": {...}}``."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if "[" in key and key.endswith("]"):
            outer, inner = key[:-1].split("[", 1)
            out.setdefault(outer, {})[inner] = value
        else:
            out[key] = value
    return out


class FlarumServer(SiteServer):
    """Serves a :class:`Forum` as a Flarum 1.x forum (tags, mentions, likes, sticky, guests)."""

    def __init__(self, forum: Forum, deleted_users: frozenset[int] | None = None,
                 sticky: frozenset[int] | None = None, **kwargs: Any) -> None:
        super().__init__(forum, **kwargs)
        self.deleted_users = _default_deleted(forum) if deleted_users is None else deleted_users
        self.sticky = _default_sticky(forum) if sticky is None else sticky

    def data(self) -> FlarumData:
        """The forum as Flarum holds it now (call under ``lock``)."""
        return FlarumData(self.forum, self.deleted_users, self.sticky)

    def respond(self, target: str, host: str) -> Reply:
        del host
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT
        if not parts.path.startswith(self.prefix):
            return 404, HTML_TYPE, "<h1>404 Not Found</h1>"
        route = [s for s in parts.path[len(self.prefix):].split("/") if s]
        params = _params(parts.query)
        with self.lock:
            pages = FlarumPages(self.data(), self.url)
            if route[:1] == ["api"]:
                try:
                    return 200, API_TYPE, hex_json(pages.api(route[1:], params))
                except ApiError as err:
                    return err.status, API_TYPE, hex_json(err.document())
            found = pages.html(route, params)
        if found is None:
            return 404, HTML_TYPE, pages.not_found()
        return 200, HTML_TYPE, found


def truth_posts(server: FlarumServer) -> list[TruthPost]:
    """What a correct extractor takes from the Flarum site, post by post.

    As Flarum shows the model: deleted accounts as "[deleted]" without id, emoticons as emoji.
    """
    out = []
    for row in server.forum.truth():
        body = shown_text(row.body_text)
        deleted = row.author_id is not None and int(row.author_id) in server.deleted_users
        out.append(replace(row, body_text=body,
                           author_name="[deleted]" if deleted else row.author_name,
                           author_id=None if deleted else row.author_id))
    return out


def truth(server: FlarumServer) -> set[tuple[Any, ...]]:
    """Full truth tuples: (native_id, thread_native_id, thread_title, container, position,
    author_name, author_id, published_at, body_text, quoted_native_ids, parent_native_id)."""
    return {(r.native_id, r.thread_native_id, r.thread_title, r.container, r.position,
             r.author_name, r.author_id, r.published_at, r.body_text, r.quoted_native_ids,
             r.parent_native_id) for r in truth_posts(server)}
