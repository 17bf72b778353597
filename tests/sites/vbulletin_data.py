"""The demo forum as the vBulletin fixture sites hold it, and its ground truth.

On top of ``build_forum``: a member whose account was deleted (vBulletin keeps the name on
the posts and drops the user id), non-ASCII names, titles and edited posts (the vBulletin 4
site serves windows-1252), and a sticky thread.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from crawler.demosite import Forum, build_forum
from crawler.demosite.model import QuoteRef

DELETED_MEMBER = "yohanes.muteh"
RENAMED = {"andreas_betang": "André_betang"}
BOARD_NAMES = {5: "Sosial Budaya Dayak \u2013 Adat & Festival"}  # an en dash
EDIT_TEXT = ("Harga kopi di café Kahayan naik jadi Rp 25.000 — katanya “sementara” saja. "
             "Über-mahal! 😀")


def vb_forum(now: datetime | None = None, seed: int = 62) -> Forum:
    """The standard demo forum with the vBulletin fixtures' additions (deterministic)."""
    forum = build_forum(seed=seed, now=now)
    for board in forum.boards:
        board.name = BOARD_NAMES.get(board.forum_id, board.name)
    for user in forum.users:
        user.name = RENAMED.get(user.name, user.name)
    for post in forum.all_posts():
        post.author_name = RENAMED.get(post.author_name, post.author_name)
        if post.author_name == DELETED_MEMBER:
            post.author_id = None
        for segment in post.segments:
            if isinstance(segment, QuoteRef):
                segment.author_name = RENAMED.get(segment.author_name, segment.author_name)
                if segment.author_name == DELETED_MEMBER:
                    segment.author_id = None
    thread = min((t for t in forum.threads.values() if t.forum_id == 4 and len(t.posts) > 3),
                 key=lambda t: t.thread_id)
    thread.title += " di “Café” Kahayan"
    for index, post in enumerate(thread.posts):
        post.subject = thread.title if index == 0 else f"Re: {thread.title}"
    old = [p for p in forum.all_posts() if p.published_at < forum.now - timedelta(days=30)]
    for post in old[5::97][:6]:
        forum.edit_post(post.post_id, EDIT_TEXT)
    return forum


def sticky_ids(forum: Forum) -> set[int]:
    """Threads shown as sticky: the oldest thread of the biggest board."""
    return {min(t.thread_id for t in forum.threads.values() if t.forum_id == 2)}


def slug(text: str) -> str:
    """vBulletin's URL slug of a title: ASCII words joined by hyphens."""
    words = re.findall(r"[A-Za-z0-9]+", text.encode("ascii", "ignore").decode())
    return "-".join(words)[:50].strip("-") or "x"


def truth_rows(forum: Forum, thread_ids: dict[str, str] | None = None) -> set[tuple[Any, ...]]:
    """(native_id, thread_native_id, thread_title, container, position, author_name,
    author_id, published_at, body_text, quoted_native_ids) of every post; ``thread_ids``
    maps the model's thread ids to the site's (vBulletin 5: the starter post's node id)."""
    ids = thread_ids or {}
    return {(r.native_id, ids.get(r.thread_native_id, r.thread_native_id), r.thread_title,
             r.container, r.position, r.author_name, r.author_id, r.published_at,
             r.body_text, r.quoted_native_ids) for r in forum.truth()}


def item_rows(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """The same tuple of every scraped PostItem (datetimes parsed back from ISO)."""
    return {(r["native_id"], r["thread_native_id"], r["thread_title"], r["container"],
             r["position"], r["author_name"], r["author_id"],
             datetime.fromisoformat(r["published_at"]) if r["published_at"] else None,
             r["body_text"], tuple(r["quoted_native_ids"]))
            for r in rows if r["_type"] == "PostItem"}
