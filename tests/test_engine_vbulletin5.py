"""The vBulletin 5 adapter: detection, and parsing of rendered forum home, channel and topic
pages (node ids, guests, a deleted member, quotes, dates with and without machine times)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from crawler.demosite import Forum
from crawler.extract.engines import Page, ParseContext, detect_engine, engine_named, engine_names
from crawler.extract.engines._vbulletin5_posts import base_url, node_id
from tests.sites.vbulletin5 import Vbulletin5Server
from tests.sites.vbulletin_data import DELETED_MEMBER, EDIT_TEXT, sticky_ids, vb_forum

VB5 = engine_named("vbulletin5")


@pytest.fixture(scope="module")
def site() -> Iterator[Vbulletin5Server]:
    """The fixture site; pages are rendered by calling ``respond`` directly."""
    with Vbulletin5Server(vb_forum()) as server:
        yield server


def context(forum: Forum) -> ParseContext:
    return ParseContext(timezone="Asia/Jakarta", now=forum.now + timedelta(minutes=1))


def get(site: Vbulletin5Server, path: str) -> Page:
    status, _, body = site.respond(path, "127.0.0.1:8765")
    assert status == 200 and isinstance(body, str)
    return Page(url=f"http://127.0.0.1:8765{path}", text=body)


def topic_path(site: Vbulletin5Server, thread_id: int, page: int = 1) -> str:
    thread = site.forum.threads[thread_id]
    url = site._topic_url(thread, {f: "/" + p for f, p in site._paths().items()})
    return url + (f"/page{page}" if page > 1 else "")


def test_detects_vb5_pages_and_no_other_engine_claims_them(site: Vbulletin5Server) -> None:
    for page in (get(site, "/forum"), get(site, topic_path(site, min(site.forum.threads)))):
        assert VB5.detect(page) == 'meta generator "vBulletin 5.6.9"'
        engine, reason = detect_engine(page)
        assert engine.name == "vbulletin" and reason.startswith("vBulletin 5:")
        others = [n for n in engine_names() if not n.startswith("vbulletin")]
        assert [n for n in others if engine_named(n).detect(page)] == []
        assert engine_named("vbulletin4").detect(page) is None
    bare = page.text.replace('<meta name="generator" content="vBulletin 5.6.9" />', "")
    assert "js-post__content-text" in (VB5.detect(Page(url=page.url, text=bare)) or "")


def test_forum_home_lists_every_channel(site: Vbulletin5Server) -> None:
    result = VB5.parse(get(site, "/forum"), context(site.forum))
    assert result.kind == "index" and result.threads == []
    expected = {f"http://127.0.0.1:8765/{p}" for p in site._paths().values()}
    assert set(result.boards) == expected and len(result.boards) == len(expected)


def test_channel_topics_signatures_stickies_and_next_page(site: Vbulletin5Server) -> None:
    forum = site.forum
    path = "/forum/kalimantan-tengah/politik-pilkada-kalteng"
    result = VB5.parse(get(site, path), context(forum))
    assert result.kind == "board"
    assert result.next_url == f"http://127.0.0.1:8765{path}/page2"
    assert result.boards == [f"http://127.0.0.1:8765{path}/pilkada-kabupaten"]
    assert len(result.threads) == 21 and sum(t.sticky for t in result.threads) == 1
    first = result.threads[0]
    thread = next(t for t in forum.threads.values() if t.thread_id in sticky_ids(forum))
    assert first.sticky and first.native_id == str(thread.posts[0].post_id)
    assert first.url == f"http://127.0.0.1:8765{topic_path(site, thread.thread_id)}"
    assert first.title == thread.title and first.container == "Politik & Pilkada Kalteng"
    assert first.signature == f"{len(thread.posts) - 1}|{thread.posts[-1].post_id}"
    last = VB5.parse(get(site, path + "/page2"), context(forum))
    assert last.next_url is None and len(last.threads) == 7


def test_topic_posts_match_the_model(site: Vbulletin5Server) -> None:
    forum = site.forum
    thread = next(t for t in forum.threads.values() if len(t.posts) > 31)
    result = VB5.parse(get(site, topic_path(site, thread.thread_id, 2)), context(forum))
    url = f"http://127.0.0.1:8765{topic_path(site, thread.thread_id)}"
    assert result.thread is not None
    assert (result.thread.native_id, result.thread.title, result.thread.url) == (
        str(thread.posts[0].post_id), thread.title, url)
    assert result.thread.container == forum.board(thread.forum_id).name  # type: ignore[union-attr]
    assert result.next_url == f"{url}/page3"
    truth = {r.native_id: r for r in forum.truth()}
    assert [p.position for p in result.posts] == list(range(16, 31))
    for post in result.posts:
        row = truth[post.native_id]
        assert (post.author_name, post.author_id, post.published_at, post.body_text,
                tuple(post.quoted_native_ids), post.edited_at) == (
            row.author_name, row.author_id, row.published_at, row.body_text,
            row.quoted_native_ids, row.edited_at)
        assert post.url == f"{url}?p={post.native_id}"
        assert post.author_url is None or post.author_url.startswith(
            f"http://127.0.0.1:8765/member/{post.author_id}-")


def _find(forum: Forum, check: object) -> tuple[int, int]:
    for thread in forum.threads.values():
        for index, post in enumerate(thread.posts):
            if callable(check) and check(post):
                return thread.thread_id, index
    raise AssertionError("no such post in the fixture")


@pytest.mark.parametrize("case", ["guest", "deleted", "quote", "today", "yesterday", "edited",
                                  "smilie"])
@pytest.mark.parametrize("machine_times", [True, False])
def test_special_posts(site: Vbulletin5Server, case: str, machine_times: bool) -> None:
    """Each kind of post, also with the machine-readable times removed (the shown text
    "Hari ini, 10:05 AM" / "03-18-2024, 10:05 AM" is parsed then)."""
    forum = site.forum
    checks = {
        "guest": lambda p: p.author_id is None and p.author_name != DELETED_MEMBER,
        "deleted": lambda p: p.author_name == DELETED_MEMBER,
        "quote": lambda p: len(p.quoted_ids) == 2,
        "today": lambda p: p.published_at.date() == forum.now.date(),
        "yesterday": lambda p: p.published_at.date() == (forum.now - timedelta(days=1)).date(),
        "edited": lambda p: p.edited_at is not None,
        "smilie": lambda p: " ;)" in p.own_text,
    }
    thread_id, index = _find(forum, checks[case])
    page = get(site, topic_path(site, thread_id, index // 15 + 1))
    if not machine_times:
        text = re.sub(r' data-node-publishdate="\d+"', "", page.text)
        page = Page(url=page.url, text=re.sub(r' datetime="[^"]+"', "", text))
    model = forum.threads[thread_id].posts[index]
    post = next(p for p in VB5.parse(page, context(forum)).posts
                if p.native_id == str(model.post_id))
    row = next(r for r in forum.truth() if r.native_id == post.native_id)
    assert (post.author_name, post.author_id, post.published_at, post.body_text,
            post.quoted_native_ids, post.edited_at) == (
        row.author_name, row.author_id, row.published_at, row.body_text,
        list(row.quoted_native_ids), row.edited_at)
    if case == "edited":
        assert EDIT_TEXT in post.body_text
    if case == "smilie":
        assert not any("smilies" in m["url"] for m in post.media)


def test_next_page_from_the_page_counter_alone(site: Vbulletin5Server) -> None:
    thread = next(t for t in site.forum.threads.values() if len(t.posts) > 31)
    page = get(site, topic_path(site, thread.thread_id))
    bare = re.sub(r'<a class="js-pagenav-button[^>]*>[^<]*</a>', "", page.text)
    result = VB5.parse(Page(url=page.url, text=bare), context(site.forum))
    assert result.next_url == f"{page.url}/page2"


def test_url_helpers() -> None:
    assert node_id("http://h/forum/a/b/1234-judul-topik/page3") == "1234"
    assert node_id("http://h/forum/a/b/1234") == "1234"
    assert node_id("http://h/forum/a/b") is None
    assert base_url("http://h/forum/a/1234-x/page2?p=9#post9") == "http://h/forum/a/1234-x"


def test_delegating_engine_picks_the_version(site: Vbulletin5Server) -> None:
    page = get(site, topic_path(site, min(site.forum.threads)))
    vb = engine_named("vbulletin")
    assert vb.platform_name == VB5.platform_name == "vbulletin"
    assert [p.native_id for p in vb.parse(page, context(site.forum)).posts] == [
        p.native_id for p in VB5.parse(page, context(site.forum)).posts]


# vBulletin 5.4's markup: no namecard attribute, the profile link in ``.author strong a``,
# the post number on its own line, the title widget beside an announcement widget.
REAL_54 = """<!DOCTYPE html><html id="htmlTag" xml:lang="en" lang="en" dir="ltr"><head>
<meta content="text/html; charset=UTF-8" http-equiv="Content-Type"><title>Custom JS - Forum</title>
</head><body id="vb-page-body" class="l-desktop page55 vb-page view-mode logged-out">
<ul id="breadcrumbs" class="h-clearfix" itemprop="breadcrumb">
<li class="crumb ellipsis"><a class="crumb-link" href="https://f.example.com/">Home</a></li>
<li class="vb-icon separator"></li><li class="crumb ellipsis"><a class="crumb-link" href="https://f.example.com/forum">Forum</a></li>
<li class="vb-icon separator"></li><li class="crumb ellipsis"><a class="crumb-link" href="https://f.example.com/forum/developer-help">Developer Help</a></li></ul>
<div class="canvas-layout-container js-canvas-layout-container">
<div class="b-module canvas-widget default-widget announcement-widget empty"><div class="widget-header h-clearfix">
<div class="module-title h-left"><h1 class="main-title js-main-title hide-on-editmode">Announcement</h1></div></div></div>
<div class="b-module canvas-widget default-widget page-title-widget widget-no-header-buttons widget-no-border">
<div class="widget-header h-clearfix"><div class="module-title h-left"><h1 class="main-title js-main-title hide-on-editmode">Adding Custom JavaScript</h1></div></div></div>
<div id="thread-view-tab" class="conversation-view conversation-thread-view">
<form class="toolbar-search-form"><input name="nodeid" value="2772" type="hidden"></form>
<ul class="conversation-list list-container h-clearfix thread-view">
<li data-node-id="2772" data-node-publishdate="1414155603" class="b-post js-post js-comment-entry__parent b-post--text b-post--first">
 <a id="post2772" class="anchor"></a><div class="l-row l-row__fixed--left"><div class="l-col__fixed-3">
 <div class="userinfo b-userinfo b-post__hide-when-deleted" itemprop="author" itemscope="" itemtype="http://schema.org/Person">
  <a href="https://f.example.com/member/103-caffeine" class="b-avatar b-avatar--m"><img src="/a.png" alt="caffeine"></a>
  <div class="b-userinfo__details"><div class="author h-text-size--14"><strong><a href="https://f.example.com/member/103-caffeine">caffeine</a></strong></div>
  <div class="usertitle">Member</div></div></div></div>
 <div class="js-post__content-wrapper"><div class="b-post__body"><div class="b-post__content js-post__content">
  <div class="b-media h-hide--on-preview"><div class="b-media__img--rev"><a class="b-post__count" href="#">#1
  </a></div><div class="b-media__body"><h2 class="b-post__title js-post-title">Adding Custom JavaScript</h2>
  <div class="b-post__timestamp OLD__post-date"><time itemprop="dateCreated" datetime="2014-10-24T09:00:03">10-24-2014, 09:00 AM</time></div></div></div>
  <div class="OLD__post-content h-padding-vert-xl"><div class="js-post__content-text OLD__post-content-text restore h-wordwrap" itemprop="text">
Where do I add <b>custom JS</b>?</div></div></div>
 <div class="b-post__footer"><ul class="h-right js-post-controls"><li><a class="b-button" href="#">Edit</a></li></ul></div>
 <div class="edit-conversation-container"></div></div></div></div></li>
</ul></div></div></body></html>"""  # noqa: E501


def test_vb54_markup_without_namecards() -> None:
    page = Page(url="https://f.example.com/forum/developer-help/2772-adding-custom-javascript",
                text=REAL_54)
    assert VB5.detect(page) == "li.b-post[data-node-id] posts with js-post__content-text"
    result = VB5.parse(page, ParseContext(timezone="America/New_York"))
    assert result.thread is not None
    assert (result.thread.native_id, result.thread.title, result.thread.container) == (
        "2772", "Adding Custom JavaScript", "Developer Help")
    assert result.next_url is None
    (post,) = result.posts
    assert (post.native_id, post.position, post.author_name, post.author_id) == (
        "2772", 1, "caffeine", "103")
    assert post.author_url == "https://f.example.com/member/103-caffeine"
    assert post.published_at == datetime.fromisoformat("2014-10-24T13:00:03+00:00")
    assert post.body_text == "Where do I add custom JS?" and post.edited_at is None


def test_channels_found_in_a_style_without_the_default_classes(site: Vbulletin5Server) -> None:
    page = get(site, "/forum")
    bare = re.sub(r'class="(forum-title|subforum-title|category)"', "", page.text)
    result = VB5.parse(Page(url=page.url, text=bare), context(site.forum))
    assert set(result.boards) == {f"http://127.0.0.1:8765/{p}" for p in site._paths().values()}
