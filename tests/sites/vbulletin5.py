"""A vBulletin 5.6 fixture site: the demo forum as channels and topic nodes, UTF-8.

URLs as vBulletin 5 routes them: the forum home ``/forum``, channels
``/forum/kalimantan-tengah/politik-pilkada-kalteng`` (``/page2``), topics
``<channel>/<nodeid>-<slug>`` (``/page2``, ``?p=<nodeid>#post<nodeid>``) and members
``/member/<id>-<name>``. A topic's node id is its starter post's node id, so the truth maps
the model's thread ids to the first post ids.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.demosite import Forum
from crawler.demosite.model import Board, Thread
from crawler.demosite.server import Reply, SiteServer
from tests.sites.vbulletin5_pages import (
    POSTS_PER_PAGE,
    forum_list_widget,
    frame,
    page_title,
    render_channel,
    render_topic,
)
from tests.sites.vbulletin_data import item_rows, slug, sticky_ids, truth_rows

ROBOTS_TXT = "User-agent: *\nDisallow: /search\nDisallow: /login\nDisallow: /register\n"
_PAGE = re.compile(r"/page(\d+)$")
_TOPIC = re.compile(r"^(\d+)-")

__all__ = ["Vbulletin5Server", "item_rows", "thread_node_ids", "truth"]


def thread_node_ids(forum: Forum) -> dict[int, int]:
    """Model thread id -> vBulletin 5 topic node id (the starter post's id)."""
    return {t.thread_id: t.posts[0].post_id for t in forum.threads.values()}


class Vbulletin5Server(SiteServer):
    """Serves a :class:`Forum` as vBulletin 5.6 Connect at the site root."""

    def __init__(self, forum: Forum, **kwargs: Any) -> None:
        super().__init__(forum, **kwargs)
        self.nodes = thread_node_ids(forum)
        self.stickies = sticky_ids(forum)

    def _paths(self) -> dict[int, str]:
        """Board id -> channel path below the site root ("forum/a/b")."""
        paths: dict[int, str] = {}
        for board in self.forum.boards:
            chain, current = [], board
            while current is not None:
                chain.insert(0, slug(current.name).lower())
                current = self.forum.board(current.parent_id) if current.parent_id else None
            paths[board.forum_id] = "forum/" + "/".join(chain)
        return paths

    def respond(self, target: str, host: str) -> Reply:
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT
        base = f"http://{host}/"
        path = parts.path.strip("/")
        page_match = _PAGE.search(path)
        page = int(page_match.group(1)) if page_match else 1
        path = _PAGE.sub("", path)
        now = datetime.now(self.forum.timezone)
        with self.lock:
            paths = self._paths()
            urls = {fid: base + p for fid, p in paths.items()}
            if path in ("", "forum"):
                body = page_title("Forum") + forum_list_widget(self.forum, None, urls)
                return self._ok(frame(self.forum, "Forum", body, base, [],
                                      base + "forum", 1))
            if path.startswith("member/"):
                return self._member(path, base)
            channel, _, last = path.rpartition("/")
            topic = _TOPIC.match(last)
            if topic:
                post_id = parse_qs(parts.query).get("p", [""])[0]
                return self._topic(int(topic.group(1)), channel, page, post_id, base, now, urls)
            board = next((self.forum.board(f) for f, p in paths.items() if p == path), None)
            if board is not None:
                return self._channel(board, page, base, now, urls)
        return self._not_found(base)

    def _crumbs(self, board: Board | None, urls: dict[int, str], base: str
                ) -> list[tuple[str, str]]:
        chain: list[tuple[str, str]] = []
        while board is not None:
            chain.insert(0, (urls[board.forum_id], board.name))
            board = self.forum.board(board.parent_id) if board.parent_id else None
        return [(base + "forum", "Forum"), *chain]

    def _channel(self, board: Board, page: int, base: str, now: datetime,
                 urls: dict[int, str]) -> Reply:
        topics = [(t, self._topic_url(t, urls), self.nodes[t.thread_id],
                   t.thread_id in self.stickies) for t in self.forum.topics(board.forum_id)]
        parent = self.forum.board(board.parent_id) if board.parent_id else None
        return self._ok(render_channel(self.forum, board, urls[board.forum_id], page, base, now,
                                       self._crumbs(parent, urls, base), topics, urls))

    def _topic_url(self, thread: Thread, urls: dict[int, str]) -> str:
        return f"{urls[thread.forum_id]}/{self.nodes[thread.thread_id]}-{slug(thread.title).lower()}"  # noqa: E501

    def _topic(self, node: int, channel: str, page: int, post_id: str, base: str,
               now: datetime, urls: dict[int, str]) -> Reply:
        thread = next((self.forum.threads[t] for t, n in self.nodes.items()
                       if n == node and t in self.forum.threads), None)
        if thread is None or urls[thread.forum_id] != base + channel:
            return self._not_found(base)
        if post_id.isdigit():
            index = next((i for i, p in enumerate(thread.posts) if p.post_id == int(post_id)), 0)
            page = index // POSTS_PER_PAGE + 1
        pages = max(1, -(-len(thread.posts) // POSTS_PER_PAGE))
        board = self.forum.board(thread.forum_id)
        return self._ok(render_topic(self.forum, thread, self._topic_url(thread, urls),
                                     min(page, pages), base, now,
                                     self._crumbs(board, urls, base)))

    def _member(self, path: str, base: str) -> Reply:
        found = re.match(r"member/(\d+)", path)
        user = next((u for u in self.forum.users
                     if found and u.user_id == int(found.group(1))), None)
        if user is None:
            return self._not_found(base)
        body = page_title(user.name) + f'<div class="profile-sidebar">{escape(user.name)}</div>'
        return self._ok(frame(self.forum, user.name, body, base, [], base + path, 9))

    @staticmethod
    def _ok(html: str) -> Reply:
        return 200, "text/html; charset=UTF-8", html

    def _not_found(self, base: str) -> Reply:
        body = page_title("Kesalahan") + "<p>Halaman yang diminta tidak ditemukan.</p>"
        return 404, "text/html; charset=UTF-8", frame(self.forum, "Kesalahan", body, base, [],
                                                      base, 404)


def truth(server: Vbulletin5Server) -> set[tuple[Any, ...]]:
    """The post tuples a correct crawl yields: thread ids are the starter posts' node ids."""
    ids = {str(t): str(n) for t, n in server.nodes.items()}
    return truth_rows(server.forum, ids)
