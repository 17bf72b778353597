"""An Invision Community 4.6 fixture site (default theme, Indonesian) serving a demo Forum.

Friendly URLs as IPS writes them with rewriting on: ``/forums/`` (also ``/``),
``/forums/forum/2-slug/page/2/``, ``/forums/topic/45-slug/page/2/``, ``/profile/12-name/``;
a wrong slug or a page past the end is redirected as IPS does, and so are
``?do=findComment&comment=N`` and ``?do=getLastComment``. Guests' and deleted members' posts
show the name alone; one member is deleted and one topic pinned.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.demosite.model import Forum
from crawler.demosite.server import Reply, SiteServer
from tests.sites.invision_lists import pages, render_forum, render_index, render_topic
from tests.sites.invision_markup import seo
from tests.sites.invision_pages import PER_PAGE, View, crumbs, frame

ROBOTS_TXT = """# Invision Community default
User-agent: *
Disallow: /startTopic/
Disallow: /discover/unread/
Disallow: /markallread/
Disallow: /staff/
Disallow: /online/
Disallow: /discover/
Disallow: /leaderboard/
Disallow: /search/
Disallow: /*?advancedSearchForm=
Disallow: /register/
Disallow: /lostpassword/
Disallow: /login/
Disallow: /*?sortby=
Disallow: /*?filter=
Disallow: /*?tab=
Disallow: /*?do=
Disallow: /*ref=
Disallow: /*?forumId*
"""
_ROUTE = re.compile(r"^/(?:forums/(?P<kind>forum|topic)/(?P<id>\d+)-(?P<slug>[^/]*)/"
                    r"(?:page/(?P<page>\d+)/)?|profile/(?P<member>\d+)-[^/]*/)$")
DELETED_MEMBER = "andreas_betang"  # this member's account was deleted: posts show the name only


def deleted_members(forum: Forum) -> frozenset[int]:
    """Members whose account was deleted: their posts show the name alone."""
    return frozenset(u.user_id for u in forum.users if u.name == DELETED_MEMBER)


def site_view(forum: Forum, base: str, now: datetime | None = None) -> View:
    """How the site renders ``forum`` at ``base``: one deleted member, the oldest topic of
    forum 2 pinned, signatures for every fourth member id."""
    return View(forum, base, now or datetime.now(forum.timezone),
                deleted=deleted_members(forum),
                pinned=frozenset({forum.topics(2)[-1].thread_id}),
                signatures={u.user_id for u in forum.users if u.user_id % 4 == 0})


class InvisionServer(SiteServer):
    """Serves a :class:`Forum` as an Invision Community 4.6 site (see the module docstring)."""

    def view(self, now: datetime | None = None) -> View:
        """What pages are rendered with now."""
        return site_view(self.forum, self.url, now)

    def respond(self, target: str, host: str) -> Reply:
        del host
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT
        with self.lock:
            location = self.redirect(target)
            if location:
                return 301, "text/html; charset=UTF-8", f"<a href='{location}'>Dipindahkan</a>"
            view = self.view()
            if parts.path in ("/", "/forums/"):
                return _ok(render_index(view))
            match = _ROUTE.match(parts.path)
            if match is None:
                return self._not_found(view)
            if match["member"]:
                user = next((u for u in self.forum.users
                             if u.user_id == int(match["member"])), None)
                if user is None or user.user_id in view.deleted:
                    return self._not_found(view)
                body = f"<h1 class='ipsType_pageTitle'>{escape(user.name)}</h1>"
                return _ok(frame(view, user.name, body, "profile", crumbs(view, None, None)))
            page = int(match["page"] or 1)
            if match["kind"] == "forum":
                board = self.forum.board(int(match["id"]))
                return _ok(render_forum(view, board, page)) if board else self._not_found(view)
            thread = self.forum.threads.get(int(match["id"]))
            return _ok(render_topic(view, thread, page)) if thread else self._not_found(view)

    def headers(self, target: str) -> dict[str, str]:
        with self.lock:
            location = self.redirect(target)
        return {"Location": location} if location else {}

    def redirect(self, target: str) -> str | None:
        """Where IPS sends a request for ``target`` (wrong slug, page past the end, findComment)."""
        parts = urlsplit(target)
        match = _ROUTE.match(parts.path)
        if match is None or match["member"]:
            return None
        view, page = self.view(), int(match["page"] or 1)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if match["kind"] == "forum":
            board = self.forum.board(int(match["id"]))
            if board is None:
                return None
            last = pages(len(view.topics(board)))
            if seo(board.name) != match["slug"] or page > last or match["page"] == "1":
                return view.forum_url(board, min(page, last))
            return None
        thread = self.forum.threads.get(int(match["id"]))
        if thread is None:
            return None
        last = pages(len(thread.posts))
        if query.get("do") == "getLastComment":
            return view.topic_url(thread, last) + f"#comment-{thread.posts[-1].post_id}"
        ids = [p.post_id for p in thread.posts]
        if query.get("do") == "findComment" and query.get("comment", "").isdigit():
            wanted = int(query["comment"])
            if wanted in ids:
                at = ids.index(wanted) // PER_PAGE + 1
                return view.topic_url(thread, at) + f"#comment-{wanted}"
        if seo(thread.title) != match["slug"] or page > last or match["page"] == "1":
            return view.topic_url(thread, min(page, last))
        return None

    def _not_found(self, view: View) -> Reply:
        body = ("<div class='ipsBox ipsPadding'><h1 class='ipsType_pageTitle'>Maaf, ada masalah"
                "</h1><p class='ipsType_normal'>Halaman yang Anda minta tidak ada.</p>"
                "<p class='ipsType_light'>Kode kesalahan: 2F173/1</p></div>")
        return 404, "text/html;charset=UTF-8", frame(view, "Maaf, ada masalah", body, "error",
                                                     crumbs(view, None, None))


def _ok(body: str) -> Reply:
    return 200, "text/html;charset=UTF-8", body


Row = tuple[Any, ...]


def truth(forum: Forum) -> set[Row]:
    """What a crawl must extract from every post, as the site shows it: (native_id,
    thread_native_id, thread_title, container, position, author_name, author_id,
    published_at, body_text, quoted_native_ids); deleted members have no id."""
    deleted = deleted_members(forum)
    return {(r.native_id, r.thread_native_id, r.thread_title, r.container, r.position,
             r.author_name,
             None if r.author_id is None or int(r.author_id) in deleted else r.author_id,
             r.published_at, r.body_text, r.quoted_native_ids)
            for r in forum.truth()}


def edited(forum: Forum) -> dict[str, datetime]:
    """Native id -> edit time of every edited post."""
    return {r.native_id: r.edited_at for r in forum.truth() if r.edited_at}
