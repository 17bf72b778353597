"""A forum that exists only in JavaScript: the fixture of the `rendered` source kind.

Every page is an empty ``<div id="app">``, the page's data as embedded JSON, and one inline
script that builds the page from it. The HTML a plain crawler receives has no boards, thread
links, posts or next-page links at all.

- ``/``: the board list.
- ``/papan/<id>``: the board's threads, latest activity first: 10 rows at first, 10 more each
  time the reader scrolls to the bottom (infinite scroll), no pagination.
- ``/topik/<id>?hal=N``: 20 posts a page: 5 at first, 5 more on scrolling to the bottom until
  10 are shown, then a "Muat lagi" button shows 5 more per click until the page is whole
  (the button then hides). A "Berikutnya" link (``rel=next``) leads to the next page.

Content arrives 20 ms after the scroll or click, as if fetched. ``delay`` makes every page
answer slowly (for tests that stop a crawl midway). Between crawls, ``add_replies`` and
``add_thread`` post something new (the threads concerned then list first on their board).
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.demosite import SiteServer
from crawler.demosite.model import Post, Thread
from crawler.demosite.server import Reply
from tests.sites.custom import _body as body_html
from tests.sites.custom import truth

__all__ = ["RENDER", "SELECTORS", "RenderedForumServer", "truth"]

POSTS_PER_PAGE = 20

# The source a user would write for this forum (docs/sources.md, "Rendered pages").
SELECTORS: dict[str, Any] = {
    "boards": "ul.daftar-papan a.papan",
    "thread_row": "div.topik",
    "thread_link": "a.judul",
    "replies": "span.jumlah::text",
    "next_page": "//a[@rel='next']",
    "thread_title": "h1.judul-topik::text",
    "thread_id": r"topik/(\d+)",
    "post": "article.pesan",
    "post_id": "::attr(data-id)",
    "author": "header .nama::text",
    "author_link": "header a.profil::attr(href)",
    "time": "header time::text",
    "date_format": "%d/%m/%Y %H:%M",
    "body": "div.isi",
    "quote": "div.kutipan",
    "quote_id": "span.dari a::attr(href)",
}
# idle_ms: how long "nothing new after a scroll" must last. Generous, so that a busy test
# machine (Chromium's renderer starved for CPU) does not end a scroll early.
RENDER: dict[str, Any] = {
    "scroll": {"max_rounds": 10, "idle_ms": 1000},
    "click_more": {"selector": "button.muat-lagi", "max_clicks": 10, "idle_ms": 1000},
    "timeout": 20,
}

APP = """
(function () {
  const data = JSON.parse(document.getElementById("data").textContent);
  const app = document.getElementById("app");
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const later = (fn) => setTimeout(fn, 20);
  const atBottom = () =>
    window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40;
  if (data.kind === "index") {
    const list = el("ul", "daftar-papan");
    for (const b of data.boards) {
      const a = el("a", "papan", b.name);
      a.href = b.href;
      list.appendChild(el("li")).appendChild(a);
    }
    app.appendChild(list);
    return;
  }
  let shown = 0, busy = false;
  const list = el("div", "daftar");
  const onScroll = (limit, add) => window.addEventListener("scroll", () => {
    if (busy || shown >= limit() || !atBottom()) return;
    busy = true;
    later(() => { add(); busy = false; });
  });
  if (data.kind === "board") {
    app.append(el("h1", "", data.title), list);
    const add = () => {
      for (const t of data.threads.slice(shown, shown + 10)) {
        const row = list.appendChild(el("div", "topik"));
        const a = row.appendChild(el("a", "judul", t.title));
        a.href = t.href;
        row.appendChild(el("span", "jumlah", t.replies + " balasan"));
      }
      shown = Math.min(data.threads.length, shown + 10);
    };
    add();
    onScroll(() => data.threads.length, add);
    return;
  }
  const more = el("button", "muat-lagi", "Muat lagi");
  const post = (p) => {
    const art = el("article", "pesan");
    art.dataset.id = String(p.id);
    const head = art.appendChild(el("header"));
    if (p.author_id !== null) {
      const link = head.appendChild(el("a", "profil"));
      link.href = "/anggota/" + p.author_id;
      link.appendChild(el("b", "nama", p.author));
    } else {
      head.append(el("b", "nama", p.author), " (tamu)");
    }
    head.append(" \\u00b7 ", el("time", "", p.time));
    art.appendChild(el("div", "isi")).innerHTML = p.body;
    return art;
  };
  const add = () => {
    for (const p of data.posts.slice(shown, shown + 5)) list.appendChild(post(p));
    shown = Math.min(data.posts.length, shown + 5);
    more.hidden = shown < 10 || shown >= data.posts.length;
  };
  app.append(el("h1", "judul-topik", data.title), list, more);
  add();
  onScroll(() => Math.min(10, data.posts.length), add);
  more.addEventListener("click", () => later(add));
  if (data.next) {
    const a = app.appendChild(el("a", "", "Berikutnya"));
    a.rel = "next";
    a.href = data.next;
  }
})();
"""


def _page(title: str, data: dict[str, Any]) -> str:
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return ("<!doctype html><html lang='id'><head><meta charset='utf-8'>"
            f"<title>{escape(title)}</title><style>.topik{{min-height:120px}}"
            ".pesan{min-height:260px}</style></head><body><div id='app'></div>"
            f"<script type='application/json' id='data'>{payload}</script>"
            f"<script>{APP}</script></body></html>")


def _post(post: Post) -> dict[str, Any]:
    return {"id": post.post_id, "author": post.author_name, "author_id": post.author_id,
            "time": post.published_at.strftime("%d/%m/%Y %H:%M"), "body": body_html(post)}


class RenderedForumServer(SiteServer):
    """Serves a :class:`Forum` as JavaScript-built pages (see the module docstring)."""

    delay = 0.0  # seconds every page waits before it is answered

    def respond(self, target: str, host: str) -> Reply:
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nDisallow: /anggota/\n"
        time.sleep(self.delay)
        page = int((parse_qs(parts.query).get("hal") or ["1"])[0] or 1)
        segments = [s for s in parts.path.split("/") if s]
        with self.lock:
            if not segments:
                boards = [{"name": b.name, "href": f"/papan/{b.forum_id}"}
                          for b in self.forum.boards if not b.is_category]
                return self._ok(_page(self.forum.title, {"kind": "index", "boards": boards}))
            if len(segments) == 2 and segments[1].isdigit():
                number = int(segments[1])
                board = self.forum.board(number) if segments[0] == "papan" else None
                if board is not None and not board.is_category:
                    threads = [{"title": t.title, "href": f"/topik/{t.thread_id}",
                                "replies": len(t.posts) - 1}
                               for t in self.forum.topics(number)]
                    return self._ok(_page(board.name, {"kind": "board", "title": board.name,
                                                       "threads": threads}))
                if segments[0] == "topik" and number in self.forum.threads:
                    return self._ok(self._topic(self.forum.threads[number], page))
        return 404, "text/html; charset=utf-8", _page("Tidak ada", {"kind": "index",
                                                                    "boards": []})

    def add_replies(self, thread_ids: list[int], text: str = "Kabar terbaru") -> list[Post]:
        """Append one reply to each thread of ``thread_ids``; the new posts."""
        with self.lock:
            return [self.forum.add_post(t, f"{text} nomor {n}")
                    for n, t in enumerate(thread_ids, start=1)]

    def add_thread(self, board_id: int, title: str, text: str) -> Thread:
        """Open a thread on board ``board_id`` with one post (the newest on the site)."""
        with self.lock:
            forum = self.forum
            number = max(forum.threads) + 1
            when = datetime.now(forum.timezone).replace(second=0, microsecond=0)
            post = Post(forum.max_post_id() + 1, number, "Warga Baru", None, when, title,
                        [text])
            forum.threads[number] = Thread(number, board_id, title, [post])
            return forum.threads[number]

    @staticmethod
    def _ok(html: str) -> Reply:
        return 200, "text/html; charset=utf-8", html

    @staticmethod
    def _topic(thread: Thread, page: int) -> str:
        pages = max(1, -(-len(thread.posts) // POSTS_PER_PAGE))
        page = min(max(page, 1), pages)
        posts = thread.posts[(page - 1) * POSTS_PER_PAGE:page * POSTS_PER_PAGE]
        data = {"kind": "thread", "title": thread.title, "posts": [_post(p) for p in posts],
                "next": f"/topik/{thread.thread_id}?hal={page + 1}" if page < pages else None}
        return _page(thread.title, data)
