"""An SMF fixture site: a demo Forum served as Simple Machines Forum 2.1 (or 2.0 Curve).

index.php -> index.php?board=N.S (20 topics) -> index.php?topic=N.S (15 messages; also
?msg=N), ?action=profile;u=N, robots.txt. Guests get ``PHPSESSID`` in every link (no cookie),
Indonesian dates ("Hari ini pukul ..."), guests, a deleted member (SMF keeps the name and sets
id_member 0), edits ("Terakhir Diubah: ... oleh ...").
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import urlsplit

from crawler.demosite.model import Board, Forum, Thread
from crawler.demosite.server import ROBOTS_TXT, Reply, SiteServer
from tests.sites.mybb import site_forum as _site_forum
from tests.sites.smf_frame import frame
from tests.sites.smf_markup import MESSAGES_PER_PAGE, TOPICS_PER_PAGE, page_index, post_html
from tests.sites.smf_pages import board_index, message_index

_PARAM = re.compile(r"[&;]")


def sessrewrite(html: str, scripturl: str, sid: str) -> str:
    """``ob_sessrewrite()``: every ``"{scripturl}`` link gets ``?PHPSESSID=...&amp;``
    (the canonical link excepted)."""
    pattern = re.compile(r'(?<!<link rel="canonical" href=)"' + re.escape(scripturl) + r"\??")
    return pattern.sub(f'"{scripturl}?PHPSESSID={sid}&amp;', html)


def site_forum(seed: int = 62, now: datetime | None = None) -> Forum:
    """The demo forum as this site shows it: one member deleted, two posts edited."""
    return _site_forum(seed, now)


class SmfPages:
    """The pages of one request (``version`` "2.1" or "2.0")."""

    def __init__(self, forum: Forum, scripturl: str, now: datetime, version: str) -> None:
        self.forum, self.scripturl, self.now, self.version = forum, scripturl, now, version

    def route(self, query: dict[str, str]) -> str | None:
        """The page for a query (None: not found)."""
        if query.get("action") == "profile" and query.get("u", "").isdigit():
            user = next((u for u in self.forum.users if u.user_id == int(query["u"])), None)
            return self.frame(user.name, f"<h2>{escape(user.name)}</h2>", []) if user else None
        if "topic" in query or query.get("msg", "").isdigit():
            return self._display(query)
        if "board" in query:
            number, _, start = query["board"].partition(".")
            board = self.forum.board(int(number)) if number.isdigit() else None
            if board is None or board.is_category:
                return None
            total = len(self.forum.topics(board.forum_id))
            start = _clamp(int(start) if start.isdigit() else 0, total, TOPICS_PER_PAGE)
            return self.frame(board.name, message_index(self, board, start), self.crumbs(board),
                              next_url=self._next(f"board={board.forum_id}", start, total,
                                                  TOPICS_PER_PAGE))
        if not query:
            return self.frame("Indeks", board_index(self), [])
        return None

    def _display(self, query: dict[str, str]) -> str | None:
        number, _, start = query.get("topic", "").partition(".")
        thread = self.forum.threads.get(int(number)) if number.isdigit() else None
        offset = int(start) if start.isdigit() else 0
        msg = query.get("msg") or (start[3:] if start.startswith("msg") else "")
        if msg.isdigit():
            try:
                thread, index = self.forum.locate(int(msg))
            except KeyError:
                return None
            offset = index
        if thread is None:
            return None
        return self.display(thread, _clamp(offset, len(thread.posts), MESSAGES_PER_PAGE))

    def _next(self, key: str, start: int, total: int, per_page: int) -> str | None:
        if start + per_page < total:
            return f"{self.scripturl}?{key}.{start + per_page}"
        if key.startswith("topic="):
            return f"{self.scripturl}?{key}.0;prev_next=next"  # SMF names the next topic
        return None

    def crumbs(self, board: Board | None) -> list[tuple[str, str]]:
        """Linktree entries down to ``board`` (its category links to ``index.php#cN``)."""
        chain: list[tuple[str, str]] = []
        while board is not None:
            url = (f"{self.scripturl}#c{board.forum_id}" if board.is_category
                   else f"{self.scripturl}?board={board.forum_id}.0")
            chain.insert(0, (board.name, url))
            board = self.forum.board(board.parent_id) if board.parent_id is not None else None
        return chain

    def display(self, thread: Thread, start: int) -> str:
        """A topic page: 15 messages with the page index above and below."""
        tid = thread.thread_id
        base = f"{self.scripturl}?topic={tid}"
        bar = page_index(base, len(thread.posts), MESSAGES_PER_PAGE, start, self.version)
        posts = "".join(post_html(p, start + i, self.now, self.scripturl, self.version)
                        for i, p in enumerate(thread.posts[start:start + MESSAGES_PER_PAGE]))
        head = (f'<h2 class="display_title"><span id="top_subject">{escape(thread.title)}</span>'
                "</h2>" if self.version == "2.1" else
                f'<h3 class="catbg"><span id="author">Penulis</span> Topik: '
                f"{escape(thread.title)} &nbsp;(Dibaca {tid * 13 % 997} kali)</h3>")
        body = f"""<div id="display_head" class="information">{head}</div>
<div class="pagesection top">{bar}</div>
<div id="forumposts"><form action="{self.scripturl}?action=quickmod2;topic={tid}.{start}" \
method="post" accept-charset="UTF-8" name="quickModForm" id="quickModForm">{posts}
</form></div>
<div class="pagesection">{bar}</div>"""
        board = self.forum.board(thread.forum_id)
        return self.frame(thread.title, body, [*self.crumbs(board), (thread.title, f"{base}.0")],
                          canonical=f"{base}.{start}",
                          next_url=self._next(f"topic={tid}", start, len(thread.posts),
                                              MESSAGES_PER_PAGE))

    def frame(self, title: str, body: str, crumbs: list[tuple[str, str]],
              canonical: str | None = None, next_url: str | None = None) -> str:
        """The page frame of the theme's index.template.php."""
        return frame(self, title, body, crumbs, canonical, next_url)


def _clamp(start: int, total: int, per_page: int) -> int:
    last = max(0, (total - 1) // per_page * per_page)
    return min(start - start % per_page, last)


class SmfServer(SiteServer):
    """Serves a :class:`Forum` as SMF (``version`` "2.1" or "2.0") to guests without cookies."""

    version = "2.1"

    def respond(self, target: str, host: str) -> Reply:
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT
        if parts.path not in (self.prefix, f"{self.prefix}index.php"):
            return 404, "text/html; charset=UTF-8", "<html><body>404</body></html>"
        query: dict[str, str] = {}
        for piece in _PARAM.split(parts.query):
            key, _, value = piece.partition("=")
            if key and key != "PHPSESSID":
                query.setdefault(key, value)
        scripturl = f"http://{host}{self.prefix}index.php"
        with self.lock:
            pages = SmfPages(self.forum, scripturl, datetime.now(self.forum.timezone),
                             self.version)
            html = pages.route(query)
        if html is None:
            html = pages.frame("Terjadi Kesalahan!", '<div class="errorbox">Topik atau papan '
                               "yang Anda cari tidak ada.</div>", [])
            return 404, "text/html; charset=UTF-8", sessrewrite(html, scripturl, _sid())
        return 200, "text/html; charset=UTF-8", sessrewrite(html, scripturl, _sid())


def _sid() -> str:
    return secrets.token_hex(16)


def truth(forum: Forum) -> set[tuple[Any, ...]]:
    """The expected PostItems as (native_id, thread_native_id, thread_title, container,
    position, author_name, author_id, published_at, body_text, quoted_native_ids)."""
    return {(r.native_id, r.thread_native_id, r.thread_title, r.container, r.position,
             r.author_name, r.author_id, r.published_at, r.body_text, r.quoted_native_ids)
            for r in forum.truth()}
