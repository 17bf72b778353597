"""A XenForo 2.2 fixture site: the demo forum served with XenForo's default style and URLs.

Friendly URLs (``/threads/<slug>.<id>/page-N``) or, with ``friendly=False``, the default of
an installation without URL rewriting (``/index.php?threads/<slug>.<id>/page-N``); XenForo's
redirects (``/posts/N/``, ``post-N``, ``latest``, a page past the end, a wrong slug); 20
threads and 20 posts a page; stickies on the first page of a forum; guests and a deleted
member as plain names; Indonesian dates, relative within a week.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from crawler.demosite.model import Forum, Thread, TruthPost
from crawler.demosite.server import SiteServer
from tests.sites.xenforo_frame import View, frame
from tests.sites.xenforo_lists import (
    POSTS_PER_PAGE,
    forum_pages,
    render_category,
    render_forum,
    render_index,
)
from tests.sites.xenforo_markup import route, slug
from tests.sites.xenforo_thread import render_member, render_thread, thread_pages

ROBOTS_TXT = ("User-agent: *\nDisallow: /account/\nDisallow: /admin.php\nDisallow: /goto/\n"
              "Disallow: /login/\nDisallow: /register/\nDisallow: /search/\n"
              "Disallow: /whats-new/\n")
_ROUTE = re.compile(r"^(forums|categories|threads|members)/(?:([^/]*)\.)?(\d+)/"
                    r"(?:page-(\d+)|post-(\d+)|(latest|unread))?/?$")
_POST = re.compile(r"^posts/(\d+)/?$")
HTML = "text/html; charset=utf-8"
Routed = tuple[int, str, str, str | None]  # status, content type, body, Location


def deleted_member(forum: Forum) -> int:
    """The member shown as deleted: the one with the fewest posts (ties: lowest id)."""
    counts: dict[int, int] = {}
    for post in forum.all_posts():
        if post.author_id is not None and post.author_id != 2:
            counts[post.author_id] = counts.get(post.author_id, 0) + 1
    return min(counts, key=lambda uid: (counts[uid], uid))


def sticky_thread(forum: Forum) -> int:
    """The sticky thread: the oldest thread of the first forum with more than a page."""
    board = max(forum.boards, key=lambda b: len(forum.topics(b.forum_id)))
    return min(t.thread_id for t in forum.topics(board.forum_id))


class XenForoServer(SiteServer):
    """Serves a :class:`Forum` like XenForo 2.2 with the default style, for guests."""

    def __init__(self, forum: Forum, host: str = "127.0.0.1", port: int = 0, prefix: str = "/",
                 friendly: bool = True) -> None:
        super().__init__(forum, host, port, prefix)
        self.friendly = friendly
        self.deleted_users = frozenset({deleted_member(forum)})
        self.sticky = frozenset({sticky_thread(forum)})
        self._local = threading.local()

    def view(self, host: str) -> View:
        """The view of the forum a request to ``host`` gets now."""
        return View(self.forum, self.prefix, f"http://{host}", datetime.now(self.forum.timezone),
                    self.deleted_users, self.sticky, self.friendly)

    def respond(self, target: str, host: str) -> tuple[int, str, str]:
        with self.lock:
            status, content_type, body, location = self._route(target, host)
        self._local.location = location
        return status, content_type, body

    def headers(self, target: str) -> dict[str, str]:
        location = getattr(self._local, "location", None)
        return {"Location": location} if location else {}

    def _route(self, target: str, host: str) -> Routed:
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT, None
        if not parts.path.startswith(self.prefix):
            return self._not_found(host)
        path = parts.path[len(self.prefix):]
        if path == "index.php" and parts.query:
            path = parts.query.split("&", 1)[0]
        view = self.view(host)
        if path in ("", "index.php"):
            return 200, HTML, render_index(view), None
        post = _POST.match(path)
        if post:
            return self._goto_post(view, int(post.group(1)), host)
        match = _ROUTE.match(path)
        if match is None:
            return self._not_found(host)
        kind, given_slug, item_id, page_text, post_id, action = match.groups()
        page = int(page_text or 1)
        if kind == "threads":
            return self._thread_view(view, int(item_id), given_slug, page, post_id, action, host)
        if kind == "members":
            user = next((u for u in self.forum.users if u.user_id == int(item_id)), None)
            if user is None or user.user_id in self.deleted_users:
                return self._not_found(host)
            return 200, HTML, render_member(view, user.name, user.user_id), None
        board = self.forum.board(int(item_id))
        if board is None or board.is_category != (kind == "categories"):
            return self._not_found(host)
        if board.is_category:
            return 200, HTML, render_category(view, board), None
        last = forum_pages(view, board)
        if page > last or (given_slug or "") != slug(board.name):
            return self._moved(view.board_link(board, min(page, last)), host)
        return 200, HTML, render_forum(view, board, page), None

    def _thread_view(self, view: View, thread_id: int, given_slug: str | None, page: int,
                post_id: str | None, action: str | None, host: str) -> Routed:
        thread = self.forum.threads.get(thread_id)
        if thread is None:
            return self._not_found(host)
        if post_id is not None:
            return self._goto_post(view, int(post_id), host)
        if action is not None:  # latest/unread: the last post
            return self._goto_post(view, thread.posts[-1].post_id, host)
        last = thread_pages(thread)
        path = view.routes + route("threads", thread.title, thread.thread_id)
        if page > last or (given_slug or "") != slug(thread.title):
            return self._moved(path + (f"page-{min(page, last)}" if min(page, last) > 1 else ""),
                               host)
        return 200, HTML, render_thread(view, thread, page), None

    def _goto_post(self, view: View, post_id: int, host: str) -> Routed:
        try:
            thread, index = self.forum.locate(post_id)
        except KeyError:
            return self._not_found(host)
        page = index // POSTS_PER_PAGE + 1
        path = view.routes + route("threads", thread.title, thread.thread_id, page)
        return self._moved(f"{path}#post-{post_id}", host)

    def _moved(self, location: str, host: str) -> Routed:
        return 301, HTML, "", f"http://{host}{location}"

    def _not_found(self, host: str) -> Routed:
        view = self.view(host)
        body = ('<div class="blockMessage">Halaman yang diminta tidak dapat ditemukan.</div>')
        return 404, HTML, frame(view, template="error", title="Oops!", heading="Oops!",
                                body=body, crumbs=[]), None


def expected_posts(server: XenForoServer) -> list[TruthPost]:
    """The forum's ground truth as the site shows it: deleted members by their new name."""
    return [replace(row, author_name=f"Deleted member {row.author_id}", author_id=None)
            if row.author_id is not None and int(row.author_id) in server.deleted_users else row
            for row in server.forum.truth()]


def truth(server: XenForoServer) -> set[tuple[object, ...]]:
    """(native_id, thread_native_id, thread_title, container, position, author_name,
    author_id, published_at, body_text, quoted_native_ids) of every post."""
    return {(r.native_id, r.thread_native_id, r.thread_title, r.container, r.position,
             r.author_name, r.author_id, r.published_at, r.body_text, r.quoted_native_ids)
            for r in expected_posts(server)}


def thread_of(server: XenForoServer, thread_id: int) -> Thread:
    """A thread of the served forum (KeyError if absent)."""
    return server.forum.threads[thread_id]
