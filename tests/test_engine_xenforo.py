"""The XenForo 2 engine on the fixture site (tests/sites/xenforo.py): detection, every page
kind, guests, deleted members, quotes, relative dates, and full and incremental crawls."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.demosite import build_forum
from crawler.demosite.model import WIB, Forum, Post, TruthPost
from crawler.extract.engines import Page, ParseContext, detect_engine, engine_named, engine_names
from crawler.extract.engines.xenforo import ENGINE
from crawler.items import PostItem, UnparsablePage
from tests.forumcrawl import crawl_items, known_threads, of_type
from tests.sites.xenforo import XenForoServer, expected_posts, truth
from tests.sites.xenforo_frame import ATTACHMENT_EVERY
from tests.sites.xenforo_markup import route

PER_PAGE = 20


@pytest.fixture(scope="module")
def server() -> Iterator[XenForoServer]:
    forum = build_forum()
    quoting = next(p for p in forum.all_posts() if p.quoted_ids)
    forum.edit_post(quoting.post_id, "Sudah saya perbaiki :) lihat https://kalteng.go.id/berita/77")
    with XenForoServer(forum) as site:
        yield site


def context() -> ParseContext:
    return ParseContext(timezone="Asia/Jakarta", now=datetime.now(WIB))


def fetch(site: XenForoServer, path: str) -> Page:
    with urllib.request.urlopen(site.url + path) as reply:  # follows XenForo's redirects
        return Page(url=reply.url, text=reply.read().decode("utf-8"))


def thread_path(forum: Forum, thread_id: int, page: int = 1) -> str:
    return route("threads", forum.threads[thread_id].title, thread_id, page)


def page_of(forum: Forum, post: Post) -> tuple[str, int]:
    """The path of the thread page showing ``post`` and the post's position."""
    thread, index = forum.locate(post.post_id)
    return thread_path(forum, thread.thread_id, index // PER_PAGE + 1), index + 1


def parsed_post(site: XenForoServer, post: Post) -> PostItem:
    path, _ = page_of(site.forum, post)
    result = ENGINE.parse(fetch(site, path), context())
    return next(p for p in result.posts if p.native_id == str(post.post_id))


def expected(site: XenForoServer, post: Post) -> TruthPost:
    return next(r for r in expected_posts(site) if r.native_id == str(post.post_id))


def test_detects_its_pages_and_no_other_engine_claims_them(server: XenForoServer) -> None:
    forum = server.forum
    thread = next(iter(forum.threads.values()))
    for path in ("", route("forums", "x", 2), route("categories", "x", 1),
                 thread_path(forum, thread.thread_id)):
        page = fetch(server, path)
        engine, reason = detect_engine(page)
        assert engine is ENGINE, path
        assert "XenForo" in reason
        others = [name for name in engine_names()
                  if name != "xenforo" and engine_named(name).detect(page)]
        assert others == [], path


def test_index_and_category_list_forums_and_subforums(server: XenForoServer) -> None:
    index = ENGINE.parse(fetch(server, ""), context())
    assert index.kind == "index"
    # Forums in page order: a sub-forum is listed inside its parent's node.
    assert index.boards == [server.url + route("forums", server.forum.board(i).name, i)
                            for i in (2, 3, 4, 5, 7)]
    assert index.threads == []
    assert index.next_url is None
    category = ENGINE.parse(fetch(server, route("categories", "Santai", 6)), context())
    assert category.boards == [server.url + route("forums", "Warung Kopi", 7)]


def test_forum_pages_list_threads_with_signatures_stickies_and_paging(
        server: XenForoServer) -> None:
    forum = server.forum
    (sticky_id,) = server.sticky
    board = forum.board(forum.threads[sticky_id].forum_id)
    assert board is not None
    topics = [t for t in forum.topics(board.forum_id) if t.thread_id != sticky_id]
    first = ENGINE.parse(fetch(server, route("forums", board.name, board.forum_id)), context())
    assert first.kind == "board"
    assert first.boards == [server.url + route("forums", b.name, b.forum_id)
                            for b in forum.children(board.forum_id)]
    assert [t.native_id for t in first.threads] == [
        str(t.thread_id) for t in [forum.threads[sticky_id], *topics[:PER_PAGE]]]
    assert [t.sticky for t in first.threads] == [True] + [False] * PER_PAGE
    link = first.threads[1]
    thread = topics[0]
    assert link.url == server.url + thread_path(forum, thread.thread_id)
    assert link.title == thread.title
    assert link.container == board.name
    assert link.signature == (f"{len(thread.posts) - 1}|"
                              f"{int(thread.posts[-1].published_at.timestamp())}")
    assert first.next_url == server.url + route("forums", board.name, board.forum_id, 2)
    second = ENGINE.parse(fetch(server, route("forums", board.name, board.forum_id, 2)),
                          context())
    assert [t.native_id for t in second.threads] == [str(t.thread_id)
                                                     for t in topics[PER_PAGE:]]
    assert not any(t.sticky for t in second.threads)
    assert second.next_url is None


def test_thread_pages_hold_every_post_with_positions(server: XenForoServer) -> None:
    forum = server.forum
    thread = max(forum.threads.values(), key=lambda t: len(t.posts))
    rows = {r.native_id: r for r in expected_posts(server)}
    seen: list[str] = []
    path: str | None = thread_path(forum, thread.thread_id)
    while path is not None:
        result = ENGINE.parse(fetch(server, path), context())
        assert result.kind == "thread"
        assert result.thread is not None
        assert result.thread.native_id == str(thread.thread_id)
        assert result.thread.title == thread.title
        assert result.thread.url == server.url + thread_path(forum, thread.thread_id)
        for post in result.posts:
            row = rows[post.native_id]
            assert (post.position, post.author_name, post.author_id, post.published_at,
                    post.body_text, tuple(post.quoted_native_ids)) == (
                row.position, row.author_name, row.author_id, row.published_at,
                row.body_text, row.quoted_native_ids)
            assert post.url == f"{server.url}posts/{post.native_id}/"
            assert post.raw and f'data-content="post-{post.native_id}"' in post.raw
        seen += [p.native_id for p in result.posts]
        path = result.next_url.removeprefix(server.url) if result.next_url else None
    assert seen == [str(p.post_id) for p in thread.posts]
    board = forum.board(thread.forum_id)
    assert board is not None
    assert result.thread.container == board.name


def test_members_guests_and_deleted_members(server: XenForoServer) -> None:
    forum = server.forum
    member = next(p for p in forum.all_posts() if p.author_id not in (None, *server.deleted_users))
    item = parsed_post(server, member)
    assert (item.author_name, item.author_id) == (member.author_name, str(member.author_id))
    assert item.author_url == server.url + route("members", member.author_name, member.author_id)
    guest = next(p for p in forum.all_posts() if p.author_id is None)
    item = parsed_post(server, guest)
    assert (item.author_name, item.author_id, item.author_url) == (guest.author_name, None, None)
    (deleted_id,) = server.deleted_users
    gone = next(p for p in forum.all_posts() if p.author_id == deleted_id)
    item = parsed_post(server, gone)
    assert (item.author_name, item.author_id) == (f"Deleted member {deleted_id}", None)


def test_quotes_smilies_links_attachments_edits_and_signatures(server: XenForoServer) -> None:
    forum = server.forum
    edited = next(p for p in forum.all_posts() if p.edited_at is not None)
    item = parsed_post(server, edited)
    assert item.quoted_native_ids == [str(i) for i in edited.quoted_ids]
    quoted = forum.post(edited.quoted_ids[0])
    assert item.quoted_text[0] == quoted.own_text  # no "budi berkata:", no "Klik untuk..."
    assert item.body_text == "Sudah saya perbaiki :) lihat https://kalteng.go.id/berita/77"
    assert item.links == ["https://kalteng.go.id/berita/77"]
    assert item.edited_at == edited.edited_at
    uncited = next(p for p in forum.all_posts()
                   if any(type(s).__name__ == "Uncited" for s in p.segments))
    item = parsed_post(server, uncited)
    assert item.quoted_native_ids == []
    assert len(item.quoted_text) == 1
    assert item.body_text == expected(server, uncited).body_text
    signed = next(p for p in forum.all_posts()
                  if p.author_id is not None and p.author_id % 4 == 0
                  and p.author_id not in server.deleted_users)
    assert "Salam damai" not in parsed_post(server, signed).body_text
    attached = next(p for p in forum.all_posts() if p.post_id % ATTACHMENT_EVERY == 0)
    media = parsed_post(server, attached).media
    assert media == [{"type": "image", "name": f"foto-{attached.post_id}.jpg",
                      "url": f"{server.url}attachments/foto-{attached.post_id}-jpg."
                             f"{attached.post_id * 3}/",
                      "thumbnail": f"{server.url}data/attachments/0/"
                                   f"{attached.post_id * 3}-5f1e0c.jpg"}]


def test_relative_dates_parse_without_machine_readable_times(server: XenForoServer) -> None:
    forum = server.forum
    now = datetime.now(WIB)
    recent = [p for p in forum.all_posts()
              if p.published_at >= (now - timedelta(days=1)).replace(hour=0, minute=0)]
    assert len(recent) >= 3
    for post in recent:
        path, _ = page_of(forum, post)
        page = fetch(server, path)
        assert re.search(r"(Hari ini|Kemarin) pukul \d\d:\d\d|menit yang lalu", page.text)
        bare = re.sub(r' (datetime|data-time|data-date-string|data-time-string|title)="[^"]*"',
                      "", page.text)
        result = ENGINE.parse(Page(url=page.url, text=bare), context())
        item = next(p for p in result.posts if p.native_id == str(post.post_id))
        # "N menit yang lalu" (a post of the last hour, just after midnight) is minute-exact only
        assert abs(item.published_at - post.published_at) < timedelta(minutes=1)


def test_single_post_thread_and_a_page_without_posts(server: XenForoServer) -> None:
    forum = server.forum
    single = next(t for t in forum.threads.values() if len(t.posts) == 1)
    result = ENGINE.parse(fetch(server, thread_path(forum, single.thread_id)), context())
    assert [p.native_id for p in result.posts] == [str(single.posts[0].post_id)]
    assert result.posts[0].position == 1
    assert result.next_url is None
    page = fetch(server, thread_path(forum, single.thread_id))
    empty = page.text.replace("message--post", "message--x").replace('"post-', '"x-')
    empty = empty.replace('"js-post-', '"js-x-')
    with pytest.raises(UnparsablePage):
        ENGINE.parse(Page(url=page.url, text=empty), context())


def test_urls_without_url_rewriting() -> None:
    forum = build_forum()
    thread = max(forum.threads.values(), key=lambda t: len(t.posts))
    with XenForoServer(forum, prefix="/forum/", friendly=False) as site:
        base = f"{site.url}index.php?"
        board = ENGINE.parse(fetch(site, f"index.php?forums/x.{thread.forum_id}/"), context())
        assert f"{base}{thread_path(forum, thread.thread_id)}" in [t.url for t in board.threads]
        result = ENGINE.parse(fetch(site, f"index.php?{thread_path(forum, thread.thread_id)}"),
                              context())
    assert result.thread is not None
    assert result.thread.url == f"{base}{thread_path(forum, thread.thread_id)}"
    assert result.next_url == f"{base}{thread_path(forum, thread.thread_id, 2)}"
    assert result.posts[0].url == f"{base}posts/{thread.posts[0].post_id}/"


def item_rows(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(r["native_id"], r["thread_native_id"], r["thread_title"], r["container"],
             r["position"], r["author_name"], r["author_id"],
             datetime.fromisoformat(r["published_at"]), r["body_text"],
             tuple(r["quoted_native_ids"])) for r in of_type(rows, "PostItem")}


@pytest.mark.slow
def test_full_crawl_matches_truth_then_an_incremental_crawl(tmp_path: Path) -> None:
    forum = build_forum()
    edited = forum.edit_post(forum.all_posts()[40].post_id, "Isi baru setelah diedit ;)")
    with XenForoServer(forum) as site:
        rows = crawl_items("xenforo", site.url, tmp_path)
        assert item_rows(rows) == truth(site)
        posts = {r["native_id"]: r for r in of_type(rows, "PostItem")}
        assert datetime.fromisoformat(posts[str(edited.post_id)]["edited_at"]) == \
            edited.edited_at
        threads = {r["native_id"]: r for r in of_type(rows, "ThreadItem")}
        assert set(threads) == {str(t) for t in forum.threads}
        for thread in forum.threads.values():
            record = threads[str(thread.thread_id)]
            assert record["post_native_ids"] == [str(p.post_id) for p in thread.posts]
            assert record["pages"] == -(-len(thread.posts) // PER_PAGE)
        thread_pages = [p for p in site.request_log if p.startswith("/threads/")]
        assert len(thread_pages) == len(set(thread_pages)) == sum(
            -(-len(t.posts) // PER_PAGE) for t in forum.threads.values())

        long_thread = max(forum.threads.values(), key=lambda t: len(t.posts))
        last_page = -(-len(long_thread.posts) // PER_PAGE)
        forum.delete_post(long_thread.posts[2].post_id)
        forum.add_post(long_thread.thread_id, "Balasan paling baru", author_name="warga sampit",
                       quote_post_id=long_thread.posts[0].post_id)
        site.request_log.clear()
        rows = crawl_items("xenforo", site.url, tmp_path, known_threads=known_threads(rows))
        assert {r["thread_native_id"] for r in of_type(rows, "PostItem")} == {
            str(long_thread.thread_id)}
        assert item_rows(rows) <= truth(site)  # the page states every post's position
        assert of_type(rows, "PostItem")[-1]["native_id"] == str(long_thread.posts[-1].post_id)
        fetched = [p for p in site.request_log if p.startswith("/threads/")]
        assert fetched[0] == f"/{thread_path(forum, long_thread.thread_id, last_page)}"
        assert all(p.startswith(f"/{thread_path(forum, long_thread.thread_id)}") for p in fetched)


@pytest.mark.slow
def test_crawl_of_a_forum_without_url_rewriting_under_a_path_prefix(tmp_path: Path) -> None:
    forum = build_forum()
    # The smallest forum without sub-forums that has a thread of several pages.
    board = min((b for b in forum.boards if not b.is_category and not forum.children(b.forum_id)
                 and any(len(t.posts) > PER_PAGE for t in forum.topics(b.forum_id))),
                key=lambda b: sum(len(t.posts) for t in forum.topics(b.forum_id)))
    with XenForoServer(forum, prefix="/komunitas/", friendly=False) as site:
        start = f"{site.url}index.php?{route('forums', board.name, board.forum_id)}"
        rows = crawl_items("xenforo", start, tmp_path)
        ids = {str(t.thread_id) for t in forum.topics(board.forum_id)}
        assert item_rows(rows) == {r for r in truth(site) if r[1] in ids}
        assert all(p.startswith(("/robots.txt", "/komunitas/index.php?"))
                   for p in site.request_log)


@pytest.mark.slow
def test_crawl_from_a_later_page_of_one_thread_takes_the_whole_thread(tmp_path: Path) -> None:
    forum = build_forum()
    thread = max(forum.threads.values(), key=lambda t: len(t.posts))
    with XenForoServer(forum) as site:
        later = thread_path(forum, thread.thread_id, 2)
        start = f"{site.url}{later}#post-{thread.posts[25].post_id}"
        rows = crawl_items("xenforo", start, tmp_path)
        assert item_rows(rows) == {r for r in truth(site) if r[1] == str(thread.thread_id)}
        assert [r["_type"] for r in rows].count("ThreadItem") == 1
