"""A vBulletin 4.2 fixture site: the demo forum under /forum/ with basic friendly URLs.

Like a real vB4 board it answers every URL form (``showthread.php?t=15&page=2``,
``showthread.php?15-Judul/page2``, ``showthread.php?p=123``), adds a fresh ``s=`` session hash
to every link for cookie-less guests, and serves windows-1252 with an ISO-8859-1 meta tag.
Some responses disagree with that meta tag, as misconfigured servers do: thread pages of
threads whose id is a multiple of 5 are UTF-8 with ``charset=UTF-8`` in the header (the
header wins, as in browsers); forumdisplay pages name no charset in the header (the meta
tag decides).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from crawler.demosite import Forum
from crawler.demosite.server import Reply, SiteServer
from tests.sites.vbulletin4_pages import (
    POSTS_PER_PAGE,
    THREADS_PER_PAGE,
    frame,
    render_forumdisplay,
    render_forumhome,
    render_showthread,
)
from tests.sites.vbulletin_data import item_rows, sticky_ids, truth_rows

ROBOTS_TXT = ("User-agent: *\nDisallow: /forum/search.php\nDisallow: /forum/private.php\n"
              "Disallow: /forum/newreply.php\nDisallow: /forum/register.php\n")
_FRIENDLY = re.compile(r"^(\d+)(?:-[^/&=]*)?(?:/page(\d+))?")

__all__ = ["Vbulletin4Server", "item_rows", "truth"]


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


class Vbulletin4Server(SiteServer):
    """Serves a :class:`Forum` as vBulletin 4.2 under ``/forum/``."""

    def __init__(self, forum: Forum, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "/forum/")
        super().__init__(forum, **kwargs)
        self.stickies = sticky_ids(forum)

    def respond(self, target: str, host: str) -> Reply:
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT
        if not parts.path.startswith(self.prefix):
            return self._not_found(host)
        script = parts.path[len(self.prefix):]
        params = parse_qs(parts.query)
        friendly = _FRIENDLY.match(unquote(parts.query))
        item = int(friendly.group(1)) if friendly else None
        page = int((params.get("page") or [friendly.group(2) if friendly else None])[0] or 1)
        sid = secrets.token_hex(16)
        base = f"http://{host}{self.prefix}"
        now = datetime.now(self.forum.timezone)
        with self.lock:
            if script in ("", "index.php", "forum.php"):
                return self._ok(render_forumhome(self.forum, sid, base))
            if script == "forumdisplay.php":
                board = self.forum.board(_int(params, "f") or item or -1)
                if board is None:
                    return self._not_found(host)
                normal = [t for t in self.forum.topics(board.forum_id)
                          if t.thread_id not in self.stickies]
                page = min(page, _pages(len(normal), THREADS_PER_PAGE))
                html = render_forumdisplay(self.forum, board, page, sid, now, base,
                                           self.stickies)
                return 200, "text/html", html.encode("cp1252", "xmlcharrefreplace")
            if script == "showthread.php":
                return self._showthread(params, item, page, sid, now, base, host)
            if script == "member.php":
                user = next((u for u in self.forum.users
                             if u.user_id == (_int(params, "u") or item)), None)
                if user is not None:
                    body = f'<div id="userinfo"><span id="userinfo_username">{escape(user.name)}</span></div>'  # noqa: E501
                    return self._ok(frame(self.forum, user.name, body, sid, "member",
                                          f"member.php?{user.user_id}", [], user.name, base))
        return self._not_found(host)

    def _showthread(self, params: dict[str, list[str]], item: int | None, page: int,
                    sid: str, now: datetime, base: str, host: str) -> Reply:
        thread = self.forum.threads.get(_int(params, "t") or item or -1)
        post_id = _int(params, "p")
        if post_id is not None:
            try:
                thread, index = self.forum.locate(post_id)
            except KeyError:
                return self._not_found(host)
            page = index // POSTS_PER_PAGE + 1
        if thread is None:
            return self._not_found(host)
        page = min(page, _pages(len(thread.posts), POSTS_PER_PAGE))
        html = render_showthread(self.forum, thread, page, sid, now, base)
        if thread.thread_id % 5 == 0:
            return 200, "text/html; charset=UTF-8", html.encode("utf-8")
        return self._ok(html)

    @staticmethod
    def _ok(html: str) -> Reply:
        return 200, "text/html; charset=ISO-8859-1", html.encode("cp1252", "xmlcharrefreplace")

    def _not_found(self, host: str) -> Reply:
        body = ('<div class="standard_error"><h2 class="blockhead">Pesan vBulletin</h2>'
                '<div class="blockrow restore">Topik tidak ditemukan.</div></div>')
        html = frame(self.forum, "Pesan vBulletin", body, secrets.token_hex(16), "showthread",
                     "showthread.php", [], "Pesan", f"http://{host}{self.prefix}")
        return 404, "text/html; charset=ISO-8859-1", html.encode("cp1252", "xmlcharrefreplace")


def _int(params: dict[str, list[str]], name: str) -> int | None:
    values = params.get(name)
    return int(values[0]) if values and values[0].isdigit() else None


def truth(server: Vbulletin4Server) -> set[tuple[Any, ...]]:
    """The post tuples a correct crawl of ``server`` yields (see ``vbulletin_data``)."""
    return truth_rows(server.forum)
