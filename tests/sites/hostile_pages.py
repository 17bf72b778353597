"""Markup of the hostile site (tests/sites/hostile.py): minimal phpBB 3 prosilver pages.

Just the parts the phpBB engine reads: ``a.forumtitle`` board links on the index,
``ul.topics > li.row`` topic rows, ``div.post`` posts with ``p.author time[datetime]`` and
``div.postbody div.content``, and ``a[rel=next]`` pagination.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class FakePost:
    """One post as the hostile site shows it (``body`` is raw HTML)."""

    post_id: int
    author: str
    when: str  # the time element's datetime attribute, as the page has it
    body: str


def frame(title: str, body: str, charset: str = "utf-8") -> str:
    """A page with phpBB's generator and body id (the engine's detection marks)."""
    return (f'<!DOCTYPE html><html lang="id"><head><meta charset="{charset}">'
            f'<meta name="generator" content="phpBB"><title>{escape(title)}</title></head>'
            f'<body id="phpbb"><div id="page-body">{body}</div></body></html>')


def index(boards: list[tuple[str, str]]) -> str:
    """The board index: (href, name) pairs as forum titles."""
    rows = "".join(f'<li class="row"><a class="forumtitle" href="{escape(href)}">'
                   f"{escape(name)}</a></li>" for href, name in boards)
    return frame("Indeks", f'<ul class="topiclist forums">{rows}</ul>')


def board(name: str, topics: list[tuple[int, str]], next_href: str | None = None,
          subboards: list[tuple[str, str]] | None = None) -> str:
    """A topic list: (topic id, title) rows, sub-boards, and a next link."""
    subs = "".join(f'<a class="subforum" href="{escape(h)}">{escape(n)}</a>'
                   for h, n in subboards or [])
    rows = "".join(
        f'<li class="row"><dl class="row-item"><dt><a class="topictitle" '
        f'href="./viewtopic.php?t={tid}">{escape(title)}</a></dt>'
        f'<dd class="posts">1 <dfn>Balasan</dfn></dd>'
        f'<dd class="lastpost"><a href="./viewtopic.php?p={tid * 100}">&raquo;</a></dd>'
        f"</dl></li>" for tid, title in topics)
    return frame(name, f'<h2 class="forum-title">{escape(name)}</h2>{subs}'
                       f'<ul class="topiclist topics">{rows}</ul>{_next(next_href)}')


def post(p: FakePost) -> str:
    """One ``div.post``."""
    return (f'<div id="p{p.post_id}" class="post has-profile bg1"><div class="inner">'
            f'<div class="postbody"><h3>Re: topik</h3><p class="author">oleh '
            f'<a href="./memberlist.php?mode=viewprofile&amp;u={len(p.author)}" '
            f'class="username">{escape(p.author)}</a> &raquo; '
            f'<time datetime="{escape(p.when)}">waktu</time></p>'
            f'<div class="content">{p.body}</div></div></div></div>')


def topic(topic_id: int, title: str, posts: list[FakePost], next_href: str | None = None,
          charset: str = "utf-8") -> str:
    """A topic page."""
    head = (f'<h2 class="topic-title"><a href="./viewtopic.php?t={topic_id}">'
            f"{escape(title)}</a></h2>")
    return frame(title, head + "".join(post(p) for p in posts) + _next(next_href), charset)


def _next(href: str | None) -> str:
    if not href:
        return ""
    return f'<div class="pagination"><a rel="next" href="{escape(href)}">Berikutnya</a></div>'
