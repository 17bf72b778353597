"""The MyBB 1.8 engine: detection, every page kind of the fixture site, a full crawl to the
fixture's truth, and real MyBB pages where ../shared/fixtures/real has any."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crawler.demosite import Forum
from crawler.demosite.model import WIB, Post, Uncited
from crawler.demosite.render import render_index, render_viewtopic
from crawler.extract.engines import (
    Page,
    ParseContext,
    detect_engine,
    engine_named,
    engine_names,
)
from crawler.extract.engines._mybb_post import route
from crawler.extract.engines.mybb import ENGINE
from crawler.items import UnparsablePage
from tests.forumcrawl import crawl_items, known_threads, of_type, real_entries
from tests.sites.mybb import DELETED_MEMBER, MybbPages, MybbServer, site_forum, truth
from tests.sites.mybb_markup import POSTS_PER_PAGE

BASE = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def forum() -> Forum:
    return site_forum()


def pages(forum: Forum, date_format: str = "m-d-Y") -> MybbPages:
    return MybbPages(forum, BASE, datetime.now(WIB), date_format)


def page(path: str, html: str | None) -> Page:
    assert html is not None
    return Page(url=f"{BASE}/{path}", text=html)


def context() -> ParseContext:
    return ParseContext(timezone="Asia/Jakarta", now=datetime.now(WIB))


def thread_page(forum: Forum, tid: int, number: int = 1, date_format: str = "m-d-Y") -> Page:
    html = pages(forum, date_format).showthread(forum.threads[tid], number)
    suffix = f"&page={number}" if number > 1 else ""
    return page(f"showthread.php?tid={tid}{suffix}", html)


def test_detects_its_pages_and_no_other_engines(forum: Forum) -> None:
    site = pages(forum)
    board = forum.board(2)
    assert board is not None
    for path, html in [("index.php", site.index()),
                       ("forumdisplay.php?fid=2", site.forumdisplay(board, 1)),
                       ("showthread.php?tid=11", site.showthread(forum.threads[11], 1))]:
        engine, reason = detect_engine(page(path, html))
        assert (engine.name, reason) == ("mybb", 'footer "Powered By MyBB"')
        claims = {n: engine_named(n).detect(page(path, html)) for n in engine_names()}
        assert [n for n, why in claims.items() if why] == ["mybb"], claims
    bare = site.showthread(forum.threads[11], 1).replace("mybb.com", "example.org")
    assert ENGINE.detect(page("x", bare)) == "MyBB's jscripts/general.js"
    phpbb = [render_index(forum, "s1d", forum.now),
             render_viewtopic(forum, forum.threads[11], 0, "s1d", forum.now, f"{BASE}/")]
    for html in phpbb:
        assert ENGINE.detect(page("viewtopic.php?t=11", html)) is None


def test_index_lists_every_forum_and_category(forum: Forum) -> None:
    result = ENGINE.parse(page("index.php", pages(forum).index()), context())
    assert result.kind == "index"
    assert result.boards == [f"{BASE}/forumdisplay.php?fid={f}" for f in range(1, 8)]
    assert not result.threads and result.next_url is None


def test_forumdisplay_threads_signatures_subforums_and_paging(forum: Forum) -> None:
    board = forum.board(2)
    assert board is not None
    topics = forum.topics(2)
    first = ENGINE.parse(page("forumdisplay.php?fid=2", pages(forum).forumdisplay(board, 1)),
                         context())
    assert first.kind == "board"
    assert first.boards == [f"{BASE}/forumdisplay.php?fid=3"]  # not sort links or paging
    assert [t.url for t in first.threads] == [
        f"{BASE}/showthread.php?tid={t.thread_id}" for t in topics[:20]]
    link = first.threads[0]
    last = topics[0].posts[-1]
    assert (link.native_id, link.title, link.container, link.sticky) == (
        str(topics[0].thread_id), topics[0].title, "Politik & Pilkada Kalteng", False)
    assert link.signature == f"{len(topics[0].posts) - 1}|{last.published_at.isoformat()}"
    assert first.next_url == f"{BASE}/forumdisplay.php?fid=2&page=2"
    second = ENGINE.parse(page("forumdisplay.php?fid=2&page=2",
                               pages(forum).forumdisplay(board, 2)), context())
    assert [t.native_id for t in second.threads] == [str(t.thread_id) for t in topics[20:]]
    assert second.next_url is None


def test_thread_pages_chain_with_positions_and_thread_info(forum: Forum) -> None:
    thread = next(t for t in forum.threads.values() if len(t.posts) > 2 * POSTS_PER_PAGE)
    expected = {r[0]: r for r in truth(forum) if r[1] == str(thread.thread_id)}
    number, seen = 1, []
    while True:
        result = ENGINE.parse(thread_page(forum, thread.thread_id, number), context())
        assert result.kind == "thread" and result.thread is not None
        assert (result.thread.native_id, result.thread.title, result.thread.container,
                result.thread.url) == (str(thread.thread_id), thread.title,
                                       expected[result.posts[0].native_id][3],
                                       f"{BASE}/showthread.php?tid={thread.thread_id}")
        for post in result.posts:
            row = expected[post.native_id]
            assert (post.position, post.author_name, post.author_id, post.published_at,
                    post.body_text, tuple(post.quoted_native_ids)) == row[4:]
            assert post.url == f"{BASE}/showthread.php?pid={post.native_id}"
            assert post.raw and post.raw.startswith(f'<div class="post " style="" '
                                                    f'id="post_{post.native_id}"')
        seen += [p.native_id for p in result.posts]
        if result.next_url is None:
            break
        number += 1
        assert result.next_url == f"{BASE}/showthread.php?page={number}&tid={thread.thread_id}"
    assert seen == [str(p.post_id) for p in thread.posts]


def _pages_with(forum: Forum, *wanted: Callable[[Post], bool]) -> set[tuple[int, int]]:
    """(thread id, page number) of the first post matching each predicate."""
    found = set()
    for test in wanted:
        post = next(p for p in forum.all_posts() if test(p))
        thread, index = forum.locate(post.post_id)
        found.add((thread.thread_id, index // POSTS_PER_PAGE + 1))
    return found


def test_guests_deleted_members_quotes_links_and_smilies(forum: Forum) -> None:
    wanted = _pages_with(
        forum, lambda p: p.author_id is None and p.author_name != DELETED_MEMBER,
        lambda p: p.author_name == DELETED_MEMBER, lambda p: p.author_id == 2,
        lambda p: bool(p.quoted_ids), lambda p: len(p.quoted_ids) > 1,
        lambda p: any(isinstance(s, Uncited) for s in p.segments),
        lambda p: "Sumber: https://" in p.own_text, lambda p: p.own_text.endswith(" :)"))
    wanted.add((12, 1))
    posts = {p.native_id: p for tid, number in wanted
             for p in ENGINE.parse(thread_page(forum, tid, number), context()).posts}
    model = {str(p.post_id): p for p in forum.all_posts()}
    guest = next(p for k, p in posts.items() if model[k].author_id is None
                 and model[k].author_name != DELETED_MEMBER)
    assert guest.author_id is None and guest.author_url is None and guest.author_name
    deleted = [p for p in posts.values() if p.author_name == DELETED_MEMBER]
    assert deleted and all(p.author_id is None for p in deleted)
    member = next(p for p in posts.values() if p.author_id == "2")
    assert member.author_name == "admin_kalteng"  # the styled admin name
    assert member.author_url == f"{BASE}/member.php?action=profile&uid=2"
    quoting = [p for k, p in posts.items() if model[k].quoted_ids]
    assert quoting and all(p.quoted_native_ids == [str(i) for i in model[p.native_id].quoted_ids]
                           for p in quoting)
    quote = quoting[0]
    assert quote.quoted_text[0] == model[quote.quoted_native_ids[0]].own_text
    uncited = [p for k, p in posts.items() if any(isinstance(s, Uncited)
                                                  for s in model[k].segments)]
    assert uncited and all(not p.quoted_native_ids and p.quoted_text for p in uncited)
    linked = next(p for p in posts.values() if "Sumber: https://" in p.body_text)
    assert linked.links and linked.links[0] in linked.body_text
    assert any(p.body_text.endswith("Semoga bermanfaat :)") for p in posts.values())
    titled = posts[str(forum.threads[12].posts[1].post_id)]
    assert titled.title == f"Re: {forum.threads[12].title}"


def test_relative_dates_and_edit_notes(forum: Forum) -> None:
    recent = sorted((p for p in forum.all_posts()
                     if p.published_at > datetime.now(WIB) - timedelta(days=2)),
                    key=lambda p: p.published_at)
    assert len(recent) >= 4
    for post in recent:
        thread, index = forum.locate(post.post_id)
        html = pages(forum).showthread(thread, index // POSTS_PER_PAGE + 1)
        assert any(word in html for word in ("Hari ini", "Kemarin", "jam yang lalu",
                                             "menit yang lalu"))
        result = ENGINE.parse(page(f"showthread.php?pid={post.post_id}", html), context())
        item = next(p for p in result.posts if p.native_id == str(post.post_id))
        # "N menit yang lalu" (a post of the last hour, just after midnight) is minute-exact only
        assert abs(item.published_at - post.published_at) < timedelta(minutes=1)
        assert item.edited_at == post.edited_at
    edited = [p for p in forum.all_posts() if p.edited_at is not None]
    assert len(edited) == 2
    fresh = forum.add_post(11, "Baru saja masuk.", "budi_palangka", None)
    try:
        last = -(-len(forum.threads[11].posts) // POSTS_PER_PAGE)
        html = pages(forum).showthread(forum.threads[11], last)
        assert "menit yang lalu" in html
        result = ENGINE.parse(page(f"showthread.php?tid=11&page={last}", html), context())
        assert result.posts[-1].published_at == fresh.published_at
    finally:
        forum.delete_post(fresh.post_id)


def test_day_month_order_from_the_page(forum: Forum) -> None:
    thread = next(t for t in forum.threads.values()  # a first page with a day after the 12th
                  if any(p.published_at.day > 12 for p in t.posts[:POSTS_PER_PAGE]))
    result = ENGINE.parse(thread_page(forum, thread.thread_id, date_format="d-m-Y"), context())
    assert [p.published_at for p in result.posts] == [
        p.published_at for p in thread.posts[:POSTS_PER_PAGE]]
    day = datetime(2024, 3, 5, 10, 5, tzinfo=WIB)  # 05-03: ambiguous without evidence
    html = ('<html lang="id"><body><div class="post" id="post_1"><div class="post_head">'
            '<span class="post_date"><span title="05-03-2024">Hari ini</span>, 10:05 AM</span>'
            '</div><div class="post_body" id="pid_1">x</div></div></body></html>')
    result = ENGINE.parse(page("showthread.php?tid=1", html),
                          ParseContext(timezone="Asia/Jakarta", now=day + timedelta(hours=1)))
    assert result.posts[0].published_at == day
    assert ENGINE.parse(page("showthread.php?tid=1", html.replace("Hari ini", "Kemarin")),
                        ParseContext(now=day + timedelta(days=1))).posts[0].published_at == day


def test_urls_seo_and_rewritten_profiles() -> None:
    assert route(f"{BASE}/thread-5-page-3.html") == ("thread", "5", 3)
    assert route(f"{BASE}/thread-5-post-12.html#pid12") == ("post", "12", 1)
    assert route(f"{BASE}/forum-2-page-2.html") == ("forum", "2", 2)
    assert route(f"{BASE}/user-7.html") == ("user", "7", 1)
    assert route(f"{BASE}/showthread.php?pid=12") == ("post", "12", 1)
    html = ('<html><body><div class="navigation"><a href="Forum-Umum">Umum</a>'
            '<span class="active">Judul</span></div><div class="post" id="post_9">'
            '<div class="post_author"><div class="author_information"><span class="largetext">'
            '<a href="User-budi">budi</a></span></div><div class="author_statistics">'
            '<a href="reputation.php?uid=31">0</a></div></div><div class="post_content">'
            '<div class="post_head"><span class="post_date">06-01-2024, 09:00 PM</span></div>'
            '<div class="post_body" id="pid_9">Halo</div></div></div>'
            '<form action="search.php"><input type="hidden" name="tid" value="44" /></form>'
            "</body></html>")
    result = ENGINE.parse(page("Thread-Judul", html), context())
    post = result.posts[0]
    assert (post.author_name, post.author_id, post.author_url) == (
        "budi", "31", f"{BASE}/User-budi")
    assert post.published_at == datetime(2024, 6, 1, 21, 0, tzinfo=WIB)
    assert result.thread is not None and result.thread.native_id == "44"


def test_thread_page_without_posts_is_unparsable() -> None:
    html = "<html><body><div class='navigation'>Forum</div><p>Sedang perawatan</p></body></html>"
    with pytest.raises(UnparsablePage, match="no MyBB posts"):
        ENGINE.parse(page("showthread.php?tid=3&page=2", html), context())


def _rows(items: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(r["native_id"], r["thread_native_id"], r["thread_title"], r["container"],
             r["position"], r["author_name"], r["author_id"],
             datetime.fromisoformat(r["published_at"]), r["body_text"],
             tuple(r["quoted_native_ids"])) for r in of_type(items, "PostItem")}


def test_full_crawl_equals_the_fixture_truth_then_an_incremental_crawl(
        forum: Forum, tmp_path: Path) -> None:
    with MybbServer(forum, prefix="/forum/") as server:
        items = crawl_items("mybb", server.url, tmp_path)
        log = server.request_log.snapshot()
        assert _rows(items) == truth(forum)
        threads = of_type(items, "ThreadItem")
        assert sorted(int(t["native_id"]) for t in threads) == sorted(forum.threads)
        assert all(t["complete"] for t in threads)
        assert "/robots.txt" in log
        assert not [p for p in log if "action=lastpost" in p or "sortby=" in p]

        long = max(forum.threads.values(), key=lambda t: len(t.posts))
        last_page = -(-len(long.posts) // POSTS_PER_PAGE)
        with server.lock:
            added = forum.add_post(long.thread_id, "Kabar terbaru dari KPU.", "warga sampit",
                                   quote_post_id=long.posts[-1].post_id)
        try:
            server.request_log.clear()
            again = crawl_items("mybb", server.url, tmp_path, known_threads=known_threads(items))
            assert _rows(again) <= truth(forum)
            assert {r["thread_native_id"] for r in of_type(again, "PostItem")} == {
                str(long.thread_id)}
            assert of_type(again, "PostItem")[-1]["native_id"] == str(added.post_id)
            fetched = [p for p in server.request_log if "showthread.php" in p]
            assert fetched[0] == f"/forum/showthread.php?page={last_page}&tid={long.thread_id}"
            assert all(f"tid={long.thread_id}" in p for p in fetched)
        finally:
            with server.lock:
                forum.delete_post(added.post_id)


def test_real_mybb_pages(real_fixtures: Path) -> None:
    """Every MyBB page in ../shared/fixtures/real/truth.json: ids, authors, shown times."""
    entries = real_entries(real_fixtures, "mybb")
    if not entries:
        pytest.skip("no real MyBB pages in ../shared/fixtures/real")
    for name, entry in entries:
        html = (real_fixtures / name).read_bytes()
        result = ENGINE.parse(Page.from_bytes(entry["thread_url"], html),
                              ParseContext(timezone="UTC", now=datetime.now(ZoneInfo("UTC"))))
        assert [(p.native_id, p.author_name) for p in result.posts] == [
            (t["native_id"], t["author"]) for t in entry["posts"]], name
        for post, expected in zip(result.posts, entry["posts"], strict=True):
            shown = datetime.strptime(expected["published"], "%Y-%m-%dT%H:%M:%S%z")
            assert post.published_at is not None
            assert post.published_at.replace(tzinfo=None) == shown.replace(tzinfo=None), name
        if entry.get("thread_title"):
            assert result.thread is not None and result.thread.title == entry["thread_title"]
