"""A MyBB 1.8 fixture site: a demo Forum served with the default theme's markup and URLs.

index.php -> forumdisplay.php?fid=N&page=P (20 threads) -> showthread.php?tid=N&page=P
(20 posts; also ?pid=N), member.php?action=profile&uid=N, robots.txt. Indonesian language
pack, relative dates, guests, a deleted member (MyBB keeps the name and sets uid 0), edits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.demosite.model import Board, Forum, Thread, build_forum
from crawler.demosite.server import ROBOTS_TXT, Reply, SiteServer
from tests.sites.mybb_markup import (
    POSTS_PER_PAGE,
    THREADS_PER_PAGE,
    multipage,
    my_date,
    postbit,
    profile_link,
)
from tests.sites.mybb_pages import category_table, forum_row, forumdisplay_body

DELETED_MEMBER = "rahmat_buntok"  # whose account is deleted: posts keep the name, lose the id


def _frame(title: str, body: str, crumbs: list[tuple[str, str]], bburl: str, now: datetime,
           date_format: str) -> str:
    links = "".join(f'<a href="{url}">{escape(name)}</a>\n<span class="nav_sep">&rsaquo;</span>'
                    "\n" for name, url in crumbs[:-1])
    active = f'<span class="active">{escape(crumbs[-1][0])}</span>' if len(crumbs) > 1 else ""
    nav = (f'<div class="navigation">\n{links}\n<br /><img src="{bburl}/images/nav_bit.png" '
           f'alt="" />\n{active}\n</div>') if len(crumbs) > 1 else (
        f'<div class="navigation">\n<span class="active">{escape(crumbs[0][0])}</span>\n</div>')
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xml:lang="id" lang="id" xmlns="http://www.w3.org/1999/xhtml">
<head>
<title>{escape(title)}</title>
<link rel="alternate" type="application/rss+xml" title="Thread Terbaru (RSS 2.0)" \
href="{bburl}/syndication.php" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta http-equiv="Content-Script-Type" content="text/javascript" />
<script type="text/javascript" src="{bburl}/jscripts/jquery.js?ver=1823"></script>
<script type="text/javascript" src="{bburl}/jscripts/general.js?ver=1827"></script>
<link type="text/css" rel="stylesheet" href="{bburl}/cache/themes/theme1/global.css?t=1" />
<script type="text/javascript">
<!--
\tlang.unknown_error = "Terjadi kesalahan yang tidak diketahui.";
\tvar cookieDomain = "";
\tvar cookiePath = "/";
\tvar my_post_key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
\tvar imagepath = "{bburl}/images";
\tvar MyBBEditor = null;
// -->
</script>
</head>
<body>
<div id="container">
<a name="top" id="top"></a>
<div id="header">
<div id="logo"><div class="wrapper"><a href="{bburl}/index.php"><img src="{bburl}/images/logo.png"
 alt="Forum Warga Kalteng" title="Forum Warga Kalteng" /></a>
<ul class="menu top_links"><li><a href="{bburl}/search.php" class="search">Cari</a></li>
<li><a href="{bburl}/memberlist.php" class="memberlist">Daftar Anggota</a></li></ul></div></div>
<div id="panel"><div class="upper"><div class="wrapper"><span class="welcome">Halo, Tamu!
<a href="{bburl}/member.php?action=login" class="login">Masuk</a> <a \
href="{bburl}/member.php?action=register">Daftar</a></span></div></div></div>
</div>
<div id="content"><div class="wrapper">
{nav}
<br />
{body}
</div></div>
<div id="footer">
<div class="upper"><div class="wrapper"><ul class="menu bottom_links">
<li><a href="{bburl}/index.php">Forum Warga Kalteng</a></li><li><a href="#top">Kembali ke Atas</a>
</li><li><a href="{bburl}/archive/index.php">Mode Arsip</a></li></ul></div></div>
<div class="lower"><div class="wrapper">
<span id="current_time"><strong>Waktu sekarang:</strong> {my_date(now, now, date_format)}</span>
<span id="copyright">
<!-- MyBB is free software developed and maintained by a volunteer community. -->
Powered By <a href="https://mybb.com" target="_blank" rel="noopener">MyBB</a>, &copy; 2002-2024 \
<a href="https://mybb.com" target="_blank" rel="noopener">MyBB Group</a>.
<!-- End powered by -->
</span>
</div></div>
</div>
</div>
</body>
</html>
"""


class MybbServer(SiteServer):
    """Serves a :class:`Forum` as MyBB 1.8 with the default theme (no SEO URLs).

    ``date_format`` is the board's date setting: ``m-d-Y`` (MyBB's default) or ``d-m-Y``.
    """

    date_format = "m-d-Y"

    def respond(self, target: str, host: str) -> Reply:
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT
        script = parts.path[len(self.prefix):] if parts.path.startswith(self.prefix) else None
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        bburl = f"http://{host}{self.prefix}".rstrip("/")
        with self.lock:
            pages = MybbPages(self.forum, bburl, datetime.now(self.forum.timezone),
                              self.date_format)
            html = pages.route(script, query)
        if html is None:
            return 404, "text/html; charset=UTF-8", pages.error()
        return 200, "text/html; charset=UTF-8", html


class MybbPages:
    """The pages of one request: ``route`` maps a script and its query to HTML (None: 404)."""

    def __init__(self, forum: Forum, bburl: str, now: datetime, date_format: str) -> None:
        self.forum, self.bburl, self.now, self.date_format = forum, bburl, now, date_format

    def route(self, script: str | None, query: dict[str, str]) -> str | None:
        """The page for ``script`` (None when the path is outside the forum)."""
        number = int(query["page"]) if query.get("page", "").isdigit() else 1
        if script in ("", "index.php"):
            return self.index()
        if script == "forumdisplay.php" and query.get("fid", "").isdigit():
            board = self.forum.board(int(query["fid"]))
            return self.forumdisplay(board, number) if board else None
        if script == "showthread.php":
            return self._showthread(query, number)
        if script == "member.php" and query.get("uid", "").isdigit():
            user = next((u for u in self.forum.users if u.user_id == int(query["uid"])), None)
            return self.frame(f"Profil {user.name}", f"<h2>{escape(user.name)}</h2>",
                              [("Profil", "")]) if user else None
        return None

    def _showthread(self, query: dict[str, str], number: int) -> str | None:
        thread = self.forum.threads.get(int(query.get("tid", "0") or 0)) if query.get(
            "tid", "").isdigit() else None
        if query.get("pid", "").isdigit():
            try:
                thread, index = self.forum.locate(int(query["pid"]))
            except KeyError:
                return None
            number = index // POSTS_PER_PAGE + 1
        if thread is None:
            return None
        return self.showthread(thread, number)

    def frame(self, title: str, body: str, crumbs: list[tuple[str, str]]) -> str:
        """The page frame with breadcrumbs below the board's name."""
        return _frame(title, body, [(self.forum.title, f"{self.bburl}/index.php"), *crumbs],
                      self.bburl, self.now, self.date_format)

    def error(self) -> str:
        """MyBB's error box."""
        return self.frame("Forum Warga Kalteng", '<table class="tborder"><tr><td class="trow1">'
                          "Thread yang diminta tidak ada.</td></tr></table>", [("Error", "")])

    def crumbs(self, board: Board | None) -> list[tuple[str, str]]:
        """The forum chain down to ``board``."""
        chain: list[tuple[str, str]] = []
        while board is not None:
            chain.insert(0, (board.name, f"forumdisplay.php?fid={board.forum_id}"))
            board = self.forum.board(board.parent_id) if board.parent_id is not None else None
        return chain

    def forum_rows(self, boards: list[Board]) -> str:
        """``forumbit_depth2_forum`` rows (subforums listed under their parent)."""
        return "".join(forum_row(self, board, i) for i, board in enumerate(boards))

    def index(self) -> str:
        """index.php: one table per category."""
        body = "".join(category_table(self, c) for c in self.forum.children(None))
        return self.frame("Forum Warga Kalteng", body, [])

    def forumdisplay(self, board: Board, number: int) -> str:
        """forumdisplay.php: subforums, then 20 threads a page, latest activity first."""
        topics = self.forum.topics(board.forum_id)
        pages = max(1, -(-len(topics) // THREADS_PER_PAGE))
        number = min(max(number, 1), pages)
        return self.frame(board.name, forumdisplay_body(self, board, topics, number),
                          self.crumbs(board))

    def showthread(self, thread: Thread, number: int) -> str:
        """showthread.php: 20 posts a page, pagination above and below."""
        pages = max(1, -(-len(thread.posts) // POSTS_PER_PAGE))
        number = min(max(number, 1), pages)
        start = (number - 1) * POSTS_PER_PAGE
        link = f"showthread.php?tid={thread.thread_id}"
        bar = multipage(link, len(thread.posts), POSTS_PER_PAGE, number)
        posts = "".join(postbit(p, start + i + 1, self.now, self.bburl, self.date_format)
                        for i, p in enumerate(thread.posts[start:start + POSTS_PER_PAGE]))
        tid = thread.thread_id
        body = f"""<div class="float_left">{bar}</div>
<table border="0" cellspacing="0" cellpadding="5" class="tborder tfixed clear">
<tr><td class="thead"><div class="float_right"><span class="smalltext"><strong>
<a href="javascript:void(0)" id="thread_modes">Mode Thread</a></strong></span></div>
<div><strong>{escape(thread.title)}</strong></div></td></tr>
<tr><td id="posts_container"><div id="posts">{posts}
</div></td></tr>
<tr><td class="tfoot"><div class="float_right"><form action="search.php" method="post">
<input type="hidden" name="tid" value="{tid}" /></form></div></td></tr>
</table>
<div class="float_left">{bar}</div>
<br class="clear" />
<ul class="thread_tools">
<li class="printable"><a href="printthread.php?tid={tid}">Lihat Versi Cetak</a></li>
<li class="sendthread"><a href="sendthread.php?tid={tid}">Kirim Thread Ini ke Teman</a></li>
</ul>
<div id="thread_modes_popup" class="popup_menu" style="display: none;">
<div class="popup_item_container"><a href="showthread.php?mode=linear&amp;tid={tid}&amp;\
pid={thread.posts[0].post_id}#pid{thread.posts[0].post_id}" class="popup_item">Mode Linear</a>
</div></div>"""
        board = self.forum.board(thread.forum_id)
        return self.frame(thread.title, body, [*self.crumbs(board), (thread.title, link)])

    def profile(self, name: str, uid: int | None) -> str:
        """A member's profile link (a guest's name)."""
        return profile_link(name, uid, self.bburl)

    def date(self, when: datetime) -> str:
        """A date as this board shows it."""
        return my_date(when, self.now, self.date_format)


def site_forum(seed: int = 62, now: datetime | None = None) -> Forum:
    """The demo forum as this site shows it: one member deleted, two posts edited."""
    forum = build_forum(seed=seed, now=now)
    for post in forum.all_posts():
        if post.author_name == DELETED_MEMBER:
            post.author_id = None
    threads = sorted(forum.threads.values(), key=lambda t: t.thread_id)
    old = threads[5].posts[0]
    forum.edit_post(old.post_id, "Judul diperbaiki, isi tetap sama. Mohon maaf.",
                    old.published_at + timedelta(hours=2))
    recent = max(forum.all_posts(), key=lambda p: p.published_at)
    forum.edit_post(recent.post_id, "Sudah saya perbaiki tautannya.",
                    min(recent.published_at + timedelta(minutes=5), forum.now))
    return forum


def truth(forum: Forum) -> set[tuple[Any, ...]]:
    """The expected PostItems as (native_id, thread_native_id, thread_title, container,
    position, author_name, author_id, published_at, body_text, quoted_native_ids)."""
    return {(r.native_id, r.thread_native_id, r.thread_title, r.container, r.position,
             r.author_name, r.author_id, r.published_at, r.body_text, r.quoted_native_ids)
            for r in forum.truth()}
