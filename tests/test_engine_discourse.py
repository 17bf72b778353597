"""The Discourse adapter: detection, JSON pages of every kind, offline crawls, real responses.

Discourse's JSON carries ISO timestamps only (no localized or relative dates to parse); the
tests check their time zones instead.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.demosite import build_forum
from crawler.demosite.model import Forum
from crawler.extract.engines import (
    KnownThread,
    Page,
    PageResult,
    ParseContext,
    detect_engine,
    engine_named,
    engine_names,
)
from crawler.extract.engines.discourse import Discourse, site_root
from crawler.items import UnparsablePage
from tests.sites.discourse import DiscourseServer
from tests.sites.discourse_model import DELETED_USER, STAGED_BASE, created_at, iso, own_text

CONTEXT = ParseContext(timezone="Asia/Jakarta")
WIB = ZoneInfo("Asia/Jakarta")
LONG = 46  # the 80-post thread of build_forum(): four pages


def fetch(url: str) -> Page:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return Page.from_bytes(reply.url, reply.read(), dict(reply.headers.items()))


def parse(engine: Discourse, url: str) -> PageResult:
    return engine.parse(fetch(url), CONTEXT)


@pytest.fixture(scope="module")
def forum() -> Forum:
    return build_forum()


@pytest.fixture(scope="module")
def server(forum: Forum) -> Iterator[DiscourseServer]:
    with DiscourseServer(forum) as site:
        yield site


@pytest.fixture
def engine(server: DiscourseServer) -> Discourse:
    """A fresh adapter that has read the category list (as a crawl has, first)."""
    adapter = Discourse()
    parse(adapter, adapter.start_url(server.url))
    return adapter


# -- detection and URLs ---------------------------------------------------------------------------


def test_detects_home_page_and_every_json_kind_and_no_other_engine_claims_them(
        server: DiscourseServer) -> None:
    urls = [server.url, f"{server.url}categories.json?include_subcategories=true",
            f"{server.url}c/santai/warung-kopi/7.json", f"{server.url}t/{LONG}.json",
            f"{server.url}t/{LONG}/posts.json?post_ids[]=982", f"{server.url}latest.json"]
    for url in urls:
        page = fetch(url)
        engine, reason = detect_engine(page)
        assert engine.name == "discourse", url
        assert reason.startswith(('meta generator "Discourse', 'Discourse JSON')), reason
        others = [n for n in engine_names() if n != "discourse" and claims(n, page)]
        assert others == [], (url, others)


def claims(name: str, page: Page) -> bool:
    try:
        return bool(engine_named(name).detect(page))
    except ValueError:  # an HTML-only detect given JSON (Page.selector reads JSON as JSON)
        return False


def test_other_engines_pages_are_not_discourse() -> None:
    from crawler.demosite.render import render_index

    forum = build_forum()
    phpbb = Page(url="http://h/index.php", text=render_index(forum, "", forum.now))
    flarum = Page(url="http://h/api/discussions", text=json.dumps(
        {"data": [{"type": "discussions", "id": "1", "attributes": {"title": "x"}}]}))
    for page in (phpbb, flarum, Page(url="http://h/x.json", text='{"posts": []}')):
        assert Discourse().detect(page) is None


def test_site_root_start_and_resume_urls() -> None:
    engine = Discourse()
    assert site_root("https://f.example/forum/t/jalan-rusak/57/3") == "https://f.example/forum/"
    assert site_root("https://f.example/c/politik/2/l/latest.json?page=1") == "https://f.example/"
    assert engine.start_url("https://f.example/") == \
        "https://f.example/categories.json?include_subcategories=true"
    assert engine.start_url("https://f.example/forum/t/jalan-rusak/57/3") == \
        "https://f.example/forum/t/57.json"
    assert engine.start_url("https://f.example/c/politik/2") == "https://f.example/c/politik/2.json"
    assert engine.start_url("https://f.example/t/57.json?page=2") == \
        "https://f.example/t/57.json?page=2"
    known = KnownThread(native_id="57", url="https://f.example/t/57.json", signature="x",
                        post_count=44, last_page_url="https://f.example/t/57.json?page=3",
                        last_page_position=41)
    assert engine.resume_url(known) == "https://f.example/t/57/44.json"
    known.post_count = 1
    assert engine.resume_url(known) == "https://f.example/t/57.json"


def test_html_page_leads_to_its_json(server: DiscourseServer) -> None:
    result = Discourse().parse(fetch(server.url), CONTEXT)
    assert result.kind == "index"
    assert result.boards == [f"{server.url}categories.json?include_subcategories=true"]
    topic = Discourse().parse(Page(url=f"{server.url}t/jalan/{LONG}", text=fetch(
        server.url).text), CONTEXT)
    assert [t.url for t in topic.threads] == [f"{server.url}t/{LONG}.json"]


# -- lists ----------------------------------------------------------------------------------------


def test_category_list_gives_every_category_with_its_slug_path(server: DiscourseServer) -> None:
    engine = Discourse()
    result = parse(engine, engine.start_url(server.url))
    assert result.kind == "index"
    assert result.boards == [f"{server.url}c/{path}.json" for path in (
        "kalimantan-tengah/1", "kalimantan-tengah/politik-pilkada-kalteng/2",
        "kalimantan-tengah/politik-pilkada-kalteng/pilkada-kabupaten/3",
        "kalimantan-tengah/ekonomi-infrastruktur/4", "kalimantan-tengah/sosial-budaya-dayak/5",
        "santai/6", "santai/warung-kopi/7")]
    flat = Discourse()  # without include_subcategories only ids: /c/<id>.json, redirected
    boards = parse(flat, f"{server.url}categories.json").boards
    assert f"{server.url}c/2.json" in boards  # (3 is 2's subcategory: in 2's topic list)
    assert fetch(f"{server.url}c/2.json").url.endswith("/politik-pilkada-kalteng/2.json")


def test_topic_list_pages_signatures_and_containers(server: DiscourseServer, forum: Forum,
                                                    engine: Discourse) -> None:
    first = parse(engine, f"{server.url}c/kalimantan-tengah/politik-pilkada-kalteng/2.json")
    assert first.kind == "board"
    assert len(first.threads) == 30
    assert first.next_url == \
        f"{server.url}c/kalimantan-tengah/politik-pilkada-kalteng/2/l/latest.json?page=1"
    about = first.threads[0]
    assert (about.native_id, about.title, about.sticky) == (
        "2", "Tentang kategori Politik & Pilkada Kalteng", True)
    second = parse(engine, first.next_url)
    listed = {t.native_id: t for t in first.threads + second.threads}
    expected = {t.thread_id for t in forum.threads.values() if t.forum_id in (2, 3)}
    assert set(listed) == {"2"} | {str(i) for i in expected}
    assert second.next_url is None
    thread = forum.threads[LONG]
    link = listed[str(LONG)]
    assert link.url == f"{server.url}t/{LONG}.json"
    assert link.signature == f"80|80|{iso(created_at(thread.posts[-1]))}"
    sub = next(t for t in forum.threads.values() if t.forum_id == 3)
    assert listed[str(sub.thread_id)].container == "Pilkada Kabupaten"
    assert not any(t.sticky for t in second.threads)
    unnamed = parse(Discourse(), f"{server.url}c/santai/warung-kopi/7.json")
    assert {t.container for t in unnamed.threads} == {"7"}  # no category list seen: the id


# -- topics ---------------------------------------------------------------------------------------


def test_topic_pages_positions_quotes_and_reply_to_across_pages(
        server: DiscourseServer, forum: Forum, engine: Discourse) -> None:
    thread = forum.threads[LONG]
    first = parse(engine, f"{server.url}t/{LONG}.json")
    assert first.kind == "thread"
    assert first.thread is not None
    assert (first.thread.native_id, first.thread.title, first.thread.container) == (
        str(LONG), thread.title, "Politik & Pilkada Kalteng")
    assert [p.native_id for p in first.posts] == [str(p.post_id) for p in thread.posts[:20]]
    assert [p.position for p in first.posts] == list(range(1, 21))
    assert first.posts[0].title == thread.title
    assert first.posts[1].title is None
    assert first.next_url == f"{server.url}t/{LONG}.json?page=2"
    second = parse(engine, first.next_url)
    assert [p.position for p in second.posts] == list(range(21, 41))
    quoting = next(p for p in second.posts if p.native_id == "982")
    assert quoting.quoted_native_ids == ["976"]  # post 20 of page 1, via the stream
    assert quoting.parent_native_id == "976"
    assert quoting.reply_to_position == 20
    assert quoting.quoted_text and "\n" not in quoting.quoted_text[0][:3]
    assert quoting.body_text == own_text(forum.post(982))
    last = parse(engine, f"{server.url}t/{LONG}.json?page=4")
    assert [p.position for p in last.posts] == list(range(61, 81))
    assert last.next_url is None
    assert fetch_status(f"{server.url}t/{LONG}.json?page=5") == 404


def fetch_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as err:
        return err.code


def test_chunk_around_a_post_number_continues_without_repeating(
        server: DiscourseServer, engine: Discourse) -> None:
    near = parse(engine, f"{server.url}t/{LONG}/30.json")  # stream places 24..43
    assert [p.position for p in near.posts] == list(range(25, 41))  # up to page 3's start
    assert near.next_url == f"{server.url}t/{LONG}.json?page=3"
    end = parse(engine, f"{server.url}t/{LONG}/78.json")
    assert [p.position for p in end.posts] == list(range(61, 81))
    assert end.next_url is None
    by_id = parse(engine, f"{server.url}t/{LONG}/posts.json?post_ids[]=982&post_ids[]=976")
    assert [p.native_id for p in by_id.posts] == ["976", "982"]
    assert by_id.posts[1].quoted_native_ids == ["976"]  # on the same page
    assert by_id.next_url is None


def test_guest_deleted_user_system_and_edits(server: DiscourseServer, engine: Discourse) -> None:
    forum = server.forum
    guest = next(p for p in forum.all_posts() if p.author_id is None)
    gone = next(p for p in forum.all_posts() if p.author_name == DELETED_USER)
    posts = {}
    for thread_id in {guest.thread_id, gone.thread_id}:
        url: str | None = f"{server.url}t/{thread_id}.json"
        while url:
            result = parse(engine, url)
            posts.update({p.native_id: p for p in result.posts})
            url = result.next_url
    staged = posts[str(guest.post_id)]
    assert staged.author_name == guest.author_name.replace(" ", "_")
    assert int(staged.author_id or 0) >= STAGED_BASE
    assert staged.author_url == f"{server.url}u/{staged.author_name}"
    deleted = posts[str(gone.post_id)]
    assert (deleted.author_name, deleted.author_id, deleted.author_url) == (None, None, None)
    about = parse(engine, f"{server.url}t/5.json").posts[0]
    assert (about.author_name, about.author_id, about.body_text) == (
        "system", "-1", "Adat, budaya, bahasa dan festival")
    assert about.published_via == "api"
    assert about.published_at == datetime(2023, 12, 1, 14, 0, tzinfo=WIB)
    assert about.published_at is not None and about.published_at.tzinfo is not None
    ninja = next(p for p in posts.values() if int(p.native_id) % 9 == 0)
    assert ninja.edited_at is None  # saved again in the grace period: version 1, no edit


def test_edit_gap_emoji_and_uncited_quotes() -> None:
    forum = build_forum()
    thread = forum.threads[LONG]
    edited = forum.edit_post(thread.posts[25].post_id, "Isi baru :) sudah diedit",
                             edited_at=datetime(2024, 12, 24, 9, 30, tzinfo=WIB))
    uncited = next(p for p in forum.all_posts() if any(
        type(s).__name__ == "Uncited" for s in p.segments))
    with DiscourseServer(forum) as server:
        with server.lock:  # a gap before page 2: the numbers there are uncertain
            forum.delete_post(thread.posts[3].post_id)
        engine = Discourse()
        second = parse(engine, f"{server.url}t/{LONG}.json?page=2")
        post = next(p for p in second.posts if p.native_id == str(edited.post_id))
        assert post.edited_at == datetime(2024, 12, 24, 9, 30, 7, tzinfo=WIB)
        assert post.body_text.endswith("Isi baru :slight_smile: sudah diedit")
        quoting = next(p for p in second.posts if p.native_id == "982")
        assert quoting.quoted_native_ids == []  # post 20 of page 1, behind the gap
        assert quoting.reply_to_position == 20  # the spider resolves it from page 1
        assert [p.position for p in second.posts][:2] == [22, 23]
        place = forum.locate(uncited.post_id)[1]
        result = parse(engine, f"{server.url}t/{uncited.thread_id}.json?page={place // 20 + 1}")
        item = next(p for p in result.posts if p.native_id == str(uncited.post_id))
        assert item.quoted_native_ids == []
        assert len(item.quoted_text) == 1
        assert item.quoted_text[0] not in item.body_text


def test_page_without_posts_is_unparsable() -> None:
    page = Page(url="http://h/t/5.json?page=9", text=json.dumps(
        {"id": 5, "title": "x", "post_stream": {"posts": [], "stream": [1, 2]}}))
    with pytest.raises(UnparsablePage):
        Discourse().parse(page, CONTEXT)
