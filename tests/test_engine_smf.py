"""The Simple Machines Forum engine (2.1 and 2.0): detection, every page kind of the fixture
site with PHPSESSID links, full crawls to the fixture's truth, and real SMF pages where
../shared/fixtures/real has any."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from parsel import Selector

from crawler.demosite import Forum
from crawler.demosite.model import WIB, Post, Uncited
from crawler.demosite.render import render_viewtopic
from crawler.extract.engines import (
    Page,
    ParseContext,
    detect_engine,
    engine_named,
    engine_names,
)
from crawler.extract.engines._smf_post import params, route
from crawler.extract.engines.smf import ENGINE
from crawler.extract.text import extract_body
from crawler.items import UnparsablePage
from tests.forumcrawl import crawl_items, known_threads, of_type, real_entries
from tests.sites.mybb import DELETED_MEMBER, MybbPages
from tests.sites.smf import SmfPages, SmfServer, sessrewrite, site_forum, truth
from tests.sites.smf_markup import MESSAGES_PER_PAGE

BASE = "http://127.0.0.1:8765"
SCRIPT = f"{BASE}/index.php"
SID = "0123456789abcdef0123456789abcdef"
VERSIONS = ("2.1", "2.0")


@pytest.fixture(scope="module")
def forum() -> Forum:
    return site_forum()


def site(forum: Forum, version: str = "2.1") -> SmfPages:
    return SmfPages(forum, SCRIPT, datetime.now(WIB), version)


def page(query: str, html: str | None) -> Page:
    assert html is not None
    return Page(url=f"{SCRIPT}?PHPSESSID={SID}&{query}" if query else f"{BASE}/",
                text=sessrewrite(html, SCRIPT, SID))


def context() -> ParseContext:
    return ParseContext(timezone="Asia/Jakarta", now=datetime.now(WIB))


def topic_page(forum: Forum, tid: int, start: int = 0, version: str = "2.1") -> Page:
    html = site(forum, version).route({"topic": f"{tid}.{start}"})
    return page(f"topic={tid}.{start}", html)


@pytest.mark.parametrize("version", VERSIONS)
def test_detects_its_pages_and_no_other_engines(forum: Forum, version: str) -> None:
    pages = site(forum, version)
    for query in ("", "board=2.0", "topic=11.0"):
        html = pages.route(dict(p.split("=") for p in query.split(";") if p))
        engine, reason = detect_engine(page(query, html))
        assert (engine.name, reason) == ("smf", "script var smf_scripturl")
        claims = {n: engine_named(n).detect(page(query, html)) for n in engine_names()}
        assert [n for n, why in claims.items() if why] == ["smf"], claims
    bare = pages.route({"topic": "11.0"})
    assert bare is not None
    bare = bare.replace("smf_scripturl", "forum_url")
    assert ENGINE.detect(page("topic=11.0", bare)) == 'footer credit "SMF ... Simple Machines"'
    others = [MybbPages(forum, BASE, forum.now, "m-d-Y").showthread(forum.threads[11], 1),
              render_viewtopic(forum, forum.threads[11], 0, "s1d", forum.now, f"{BASE}/")]
    for html in others:
        assert ENGINE.detect(Page(url=f"{BASE}/showthread.php?tid=11", text=html)) is None


@pytest.mark.parametrize("version", VERSIONS)
def test_board_index_lists_boards_and_child_boards(forum: Forum, version: str) -> None:
    result = ENGINE.parse(page("", site(forum, version).route({})), context())
    assert result.kind == "index"
    assert result.boards == [f"{SCRIPT}?board={b}.0" for b in (2, 3, 4, 5, 7)]
    assert not result.threads and result.next_url is None


@pytest.mark.parametrize("version", VERSIONS)
def test_message_index_topics_signatures_and_paging(forum: Forum, version: str) -> None:
    pages = site(forum, version)
    topics = forum.topics(2)
    first = ENGINE.parse(page("board=2.0", pages.route({"board": "2.0"})), context())
    assert first.kind == "board"
    assert first.boards == [f"{SCRIPT}?board=3.0"]  # the child board, not sort links or pages
    assert [t.url for t in first.threads] == [
        f"{SCRIPT}?topic={t.thread_id}.0" for t in topics[:20]]
    link = first.threads[0]
    assert (link.native_id, link.title, link.container, link.sticky) == (
        str(topics[0].thread_id), topics[0].title, "Politik & Pilkada Kalteng", False)
    assert link.signature == f"{len(topics[0].posts) - 1}|{topics[0].posts[-1].post_id}"
    assert first.next_url == f"{SCRIPT}?board=2.20"
    second = ENGINE.parse(page("board=2.20", pages.route({"board": "2.20"})), context())
    assert [t.native_id for t in second.threads] == [str(t.thread_id) for t in topics[20:]]
    assert second.next_url is None


@pytest.mark.parametrize("version", VERSIONS)
def test_topic_pages_chain_with_positions_and_thread_info(forum: Forum, version: str) -> None:
    thread = next(t for t in forum.threads.values() if len(t.posts) > 2 * MESSAGES_PER_PAGE)
    expected = {r[0]: r for r in truth(forum) if r[1] == str(thread.thread_id)}
    start, seen = 0, []
    while True:
        result = ENGINE.parse(topic_page(forum, thread.thread_id, start, version), context())
        assert result.kind == "thread" and result.thread is not None
        assert (result.thread.native_id, result.thread.title, result.thread.container,
                result.thread.url) == (str(thread.thread_id), thread.title,
                                       expected[result.posts[0].native_id][3],
                                       f"{SCRIPT}?topic={thread.thread_id}.0")
        for post in result.posts:
            assert (post.position, post.author_name, post.author_id, post.published_at,
                    post.body_text, tuple(post.quoted_native_ids)) == expected[post.native_id][4:]
            assert post.url == f"{SCRIPT}?msg={post.native_id}"
            assert post.raw and f'id="msg_{post.native_id}"' in post.raw
        seen += [p.native_id for p in result.posts]
        if result.next_url is None:  # the last page's rel=next names the next topic
            break
        start += MESSAGES_PER_PAGE
        assert result.next_url == f"{SCRIPT}?topic={thread.thread_id}.{start}"
    assert seen == [str(p.post_id) for p in thread.posts]
    single = next(t for t in forum.threads.values() if len(t.posts) == 1)
    only = ENGINE.parse(page(f"msg={single.posts[0].post_id}",
                             site(forum, version).route({"msg": str(single.posts[0].post_id)})),
                        context())
    assert [(p.native_id, p.position) for p in only.posts] == [(str(single.posts[0].post_id), 1)]
    assert only.thread is not None and only.thread.native_id == str(single.thread_id)


def _pages_with(forum: Forum, *wanted: Callable[[Post], bool]) -> set[tuple[int, int]]:
    found = set()
    for test in wanted:
        post = next(p for p in forum.all_posts() if test(p))
        thread, index = forum.locate(post.post_id)
        found.add((thread.thread_id, index - index % MESSAGES_PER_PAGE))
    return found


@pytest.mark.parametrize("version", VERSIONS)
def test_guests_deleted_members_quotes_edits_smileys(forum: Forum, version: str) -> None:
    wanted = _pages_with(
        forum, lambda p: p.author_id is None and p.author_name != DELETED_MEMBER,
        lambda p: p.author_name == DELETED_MEMBER, lambda p: bool(p.quoted_ids),
        lambda p: len(p.quoted_ids) > 1, lambda p: p.edited_at is not None,
        lambda p: any(isinstance(s, Uncited) for s in p.segments),
        lambda p: "Sumber: https://" in p.own_text, lambda p: p.own_text.endswith(" :)"))
    posts = {p.native_id: p for tid, start in wanted
             for p in ENGINE.parse(topic_page(forum, tid, start, version), context()).posts}
    model = {str(p.post_id): p for p in forum.all_posts()}
    guest = next(p for k, p in posts.items() if model[k].author_id is None
                 and model[k].author_name != DELETED_MEMBER)
    assert guest.author_id is None and guest.author_url is None and guest.author_name
    assert [p.author_id for p in posts.values() if p.author_name == DELETED_MEMBER] != []
    assert all(p.author_id is None for p in posts.values() if p.author_name == DELETED_MEMBER)
    member = next(p for p in posts.values() if p.author_id is not None)
    assert member.author_url == f"{SCRIPT}?action=profile&u={member.author_id}"
    quoting = [p for k, p in posts.items() if model[k].quoted_ids]
    assert any(len(p.quoted_native_ids) > 1 for p in quoting)
    for post in quoting:
        assert post.quoted_native_ids == [str(i) for i in model[post.native_id].quoted_ids]
        assert post.quoted_text[0] == model[post.quoted_native_ids[0]].own_text
    uncited = [p for k, p in posts.items() if any(isinstance(s, Uncited)
                                                  for s in model[k].segments)]
    assert uncited and all(not p.quoted_native_ids and p.quoted_text for p in uncited)
    edited = [p for k, p in posts.items() if model[k].edited_at is not None]
    assert edited and all(p.edited_at == model[p.native_id].edited_at for p in edited)
    assert all(p.edited_at is None for k, p in posts.items() if model[k].edited_at is None)
    linked = next(p for p in posts.values() if "Sumber: https://" in p.body_text)
    assert linked.links and linked.links[0] in linked.body_text
    assert any(p.body_text.endswith("Semoga bermanfaat :)") for p in posts.values())
    assert all(p.title == model[k].subject for k, p in posts.items())


def test_today_and_yesterday(forum: Forum) -> None:
    recent = [p for p in forum.all_posts()
              if p.published_at > datetime.now(WIB) - timedelta(days=2)]
    assert len(recent) >= 4
    shown = set()
    for post in recent:
        thread, index = forum.locate(post.post_id)
        result = ENGINE.parse(topic_page(forum, thread.thread_id,
                                         index - index % MESSAGES_PER_PAGE), context())
        item = next(p for p in result.posts if p.native_id == str(post.post_id))
        assert item.published_at == post.published_at
        shown |= {word for word in ("Hari ini", "Kemarin")
                  if f"<strong>{word}</strong> pukul" in (item.raw or "")}
    assert shown == {"Hari ini", "Kemarin"}


def test_urls_sessions_semicolons_and_queryless() -> None:
    assert params(f"{SCRIPT}?PHPSESSID={SID}&amp;action=profile;u=7") == {
        "action": "profile", "u": "7"}
    assert route(f"{SCRIPT}?action=profile;u=7") == ("user", "7", "")
    assert route(f"{SCRIPT}?topic=5.msg12#msg12") == ("thread", "5", "msg12")
    assert route(f"{SCRIPT}/topic,5.30.html") == ("thread", "5", "30")
    assert route(f"{SCRIPT}/board,3.0.html") == ("board", "3", "0")
    assert route(f"{SCRIPT}?action=search") == ("other", None, "")
    assert route(f"{BASE}/") == ("index", None, "0")


def test_quote_links_by_message_id_and_smileys_as_text() -> None:
    html = ('<div class="inner" id="msg_20"><blockquote class="bbc_standard_quote"><cite><a '
            'href="index.php?msg=12">Kutipan dari: budi pada 18 Maret 2024, 10:05:00</a>'
            '</cite>teks lama</blockquote>setuju <img src="Smileys/fugue/smiley.png" '
            'alt="&#58;&#41;" title="Senyum" class="smiley"></div>')
    body = extract_body(Selector(text=html).css("div.inner")[0], SCRIPT)
    assert (body.own_text, body.quoted_ids, body.quoted_texts, body.media) == (
        "setuju :)", ["12"], ["teks lama"], [])


def test_topic_page_without_posts_is_unparsable() -> None:
    html = "<html><body><div id='forumposts'><p>Sedang perawatan</p></div></body></html>"
    with pytest.raises(UnparsablePage, match="no SMF posts"):
        ENGINE.parse(Page(url=f"{SCRIPT}?topic=3.15", text=html), context())


def _rows(items: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(r["native_id"], r["thread_native_id"], r["thread_title"], r["container"],
             r["position"], r["author_name"], r["author_id"],
             datetime.fromisoformat(r["published_at"]), r["body_text"],
             tuple(r["quoted_native_ids"])) for r in of_type(items, "PostItem")}


@pytest.mark.parametrize("version", VERSIONS)
def test_full_crawl_equals_the_fixture_truth_then_an_incremental_crawl(
        forum: Forum, tmp_path: Path, version: str) -> None:
    server = SmfServer(forum)
    server.version = version
    with server:
        items = crawl_items("smf", server.url, tmp_path)
        log = server.request_log.snapshot()
        assert _rows(items) == truth(forum)
        threads = of_type(items, "ThreadItem")
        assert sorted(int(t["native_id"]) for t in threads) == sorted(forum.threads)
        assert all(t["complete"] for t in threads)
        assert "/robots.txt" in log
        assert not [p for p in log if "PHPSESSID" in p or "sort=" in p or "prev_next" in p]
        if version == "2.0":
            return  # the incremental crawl below depends on the listing, the same in both

        long = max(forum.threads.values(), key=lambda t: len(t.posts))
        last_start = (len(long.posts) - 1) // MESSAGES_PER_PAGE * MESSAGES_PER_PAGE
        with server.lock:
            added = forum.add_post(long.thread_id, "Kabar terbaru dari KPU.", "warga sampit",
                                   quote_post_id=long.posts[-1].post_id)
        try:
            server.request_log.clear()
            again = crawl_items("smf", server.url, tmp_path, known_threads=known_threads(items))
            assert _rows(again) <= truth(forum)
            assert {r["thread_native_id"] for r in of_type(again, "PostItem")} == {
                str(long.thread_id)}
            assert of_type(again, "PostItem")[-1]["native_id"] == str(added.post_id)
            fetched = [p for p in server.request_log if "topic=" in p]
            assert fetched[0] == f"/index.php?topic={long.thread_id}.{last_start}"
            assert all(f"topic={long.thread_id}." in p for p in fetched)
        finally:
            with server.lock:
                forum.delete_post(added.post_id)


def test_real_smf_pages(real_fixtures: Path) -> None:
    """Every SMF page in ../shared/fixtures/real/truth.json: ids, authors, shown times."""
    entries = real_entries(real_fixtures, "smf")
    if not entries:
        pytest.skip("no real SMF pages in ../shared/fixtures/real")
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
