"""A home-made forum whose markup no engine adapter knows: the no-code (selectors) adapter's test.

Routes: ``/`` lists boards, ``/papan/<id>?hal=N`` lists threads (15 a page, latest activity
first), ``/topik/<id>?hal=N`` shows 8 posts a page. Dates are ``dd/mm/YYYY HH:MM`` in WIB;
quotes are ``div.kutipan`` with a link to the quoted post.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.demosite import Forum, SiteServer
from crawler.demosite.model import Post, QuoteRef, Thread, Uncited
from crawler.demosite.server import Reply

THREADS_PER_PAGE = 15
POSTS_PER_PAGE = 8

# The source block a user would write for this forum (docs/sources.md, worked example).
SELECTORS: dict[str, Any] = {
    "boards": "ul.daftar-papan a.papan",
    "thread_row": "table.topik tr.baris",
    "thread_link": "td.judul a",
    "replies": "td.jumlah-balasan::text",
    "next_page": "//a[@rel='next']",
    "thread_title": "h1.judul-topik::text",
    "thread_id": r"topik/(\d+)",
    "post": "section.balasan",
    "post_id": "::attr(data-no)",
    "author": "header .penulis::text",
    "author_link": "header a.profil::attr(href)",
    "time": "header time::text",
    "date_format": "%d/%m/%Y %H:%M",
    "body": "div.isi",
    "quote": "div.kutipan",
    "quote_id": "span.dari a::attr(href)",
}


def _frame(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='id'><head><meta charset='utf-8'><title>{escape(title)}"
            f"</title></head><body><div id='halaman'>{body}</div></body></html>")


def _pager(path: str, page: int, pages: int) -> str:
    if page >= pages:
        return "<nav class='hal'></nav>"
    return f"<nav class='hal'><a rel='next' href='{path}?hal={page + 1}'>Berikutnya</a></nav>"


def _body(post: Post) -> str:
    parts = []
    for segment in post.segments:
        if isinstance(segment, QuoteRef):
            parts.append(f"<div class='kutipan'><span class='dari'>{escape(segment.author_name)}"
                         f" <a href='/topik/{post.thread_id}#balasan-{segment.post_id}'>"
                         f"menulis</a>:</span><p>{escape(segment.text)}</p></div>")
        elif isinstance(segment, Uncited):
            parts.append(f"<blockquote>{escape(segment.text)}</blockquote>")
        else:
            parts.append("\n".join(
                "<p>" + "<br>".join(escape(line) for line in paragraph.split("\n")) + "</p>"
                for paragraph in segment.split("\n\n")))
    return "".join(parts)


def _post(post: Post) -> str:
    when = post.published_at.strftime("%d/%m/%Y %H:%M")
    author = (f"<a class='profil' href='/anggota/{post.author_id}'><b class='penulis'>"
              f"{escape(post.author_name)}</b></a>" if post.author_id is not None
              else f"<b class='penulis'>{escape(post.author_name)}</b> (tamu)")
    return (f"<section class='balasan' data-no='{post.post_id}' id='balasan-{post.post_id}'>"
            f"<header>{author} &middot; <time>{when}</time></header>"
            f"<div class='isi'>{_body(post)}</div></section>")


class CustomForumServer(SiteServer):
    """Serves a :class:`Forum` with markup of its own (see the module docstring)."""

    def respond(self, target: str, host: str) -> Reply:
        parts = urlsplit(target)
        page = int((parse_qs(parts.query).get("hal") or ["1"])[0] or 1)
        segments = [s for s in parts.path.split("/") if s]
        with self.lock:
            if parts.path == "/robots.txt":
                return 200, "text/plain", "User-agent: *\nDisallow: /anggota/\n"
            if not segments:
                return self._ok(self._index())
            if len(segments) == 2 and segments[1].isdigit():
                if segments[0] == "papan":
                    return self._board(int(segments[1]), page)
                if segments[0] == "topik" and int(segments[1]) in self.forum.threads:
                    return self._ok(self._topic(self.forum.threads[int(segments[1])], page))
        return 404, "text/html; charset=utf-8", _frame("Tidak ada", "<p>Tidak ditemukan</p>")

    @staticmethod
    def _ok(html: str) -> Reply:
        return 200, "text/html; charset=utf-8", html

    def _index(self) -> str:
        boards = "".join(f"<li><a class='papan' href='/papan/{b.forum_id}'>{escape(b.name)}</a>"
                         "</li>" for b in self.forum.boards if not b.is_category)
        return _frame(self.forum.title, f"<ul class='daftar-papan'>{boards}</ul>")

    def _board(self, board_id: int, page: int) -> Reply:
        board = self.forum.board(board_id)
        if board is None or board.is_category:
            return 404, "text/html; charset=utf-8", _frame("Tidak ada", "")
        topics = self.forum.topics(board_id)
        pages = max(1, -(-len(topics) // THREADS_PER_PAGE))
        rows = "".join(
            f"<tr class='baris'><td class='judul'><a href='/topik/{t.thread_id}'>"
            f"{escape(t.title)}</a></td><td class='jumlah-balasan'>{len(t.posts) - 1} balasan"
            "</td></tr>"
            for t in topics[(page - 1) * THREADS_PER_PAGE:page * THREADS_PER_PAGE])
        body = (f"<h1>{escape(board.name)}</h1><table class='topik'>{rows}</table>"
                f"{_pager(f'/papan/{board_id}', page, pages)}")
        return self._ok(_frame(board.name, body))

    def _topic(self, thread: Thread, page: int) -> str:
        pages = max(1, -(-len(thread.posts) // POSTS_PER_PAGE))
        page = min(page, pages)
        posts = "".join(_post(p) for p in
                        thread.posts[(page - 1) * POSTS_PER_PAGE:page * POSTS_PER_PAGE])
        body = (f"<h1 class='judul-topik'>{escape(thread.title)}</h1>{posts}"
                f"{_pager(f'/topik/{thread.thread_id}', page, pages)}")
        return _frame(thread.title, body)


def truth(forum: Forum) -> set[tuple[Any, ...]]:
    """(native id, thread id, title, position, author, author id, published, text, quotes)."""
    return {(r.native_id, r.thread_native_id, r.thread_title, r.position, r.author_name,
             r.author_id, r.published_at, r.body_text, r.quoted_native_ids)
            for r in forum.truth()}
