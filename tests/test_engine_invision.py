"""The Invision Community engine: detection, every page kind, posts, dates and URLs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from parsel import Selector

from crawler.demosite import Forum, build_forum
from crawler.demosite.model import WIB, Thread
from crawler.demosite.render import render_index as phpbb_index
from crawler.demosite.render import render_viewtopic as phpbb_topic
from crawler.extract import canonicalize_url, extract_body
from crawler.extract.engines import Page, ParseContext, detect_engine, engine_named, engine_names
from crawler.extract.engines._invision_post import profile_id
from crawler.extract.engines.invision import ENGINE, first_page, topic_id
from crawler.items import PostItem, UnparsablePage
from tests.sites.invision import edited, site_view, truth
from tests.sites.invision_lists import pages, render_forum, render_index, render_topic
from tests.sites.invision_markup import profile_url
from tests.sites.invision_pages import View

BASE = "http://127.0.0.1:8765/"


@pytest.fixture(scope="module")
def forum() -> Forum:
    return build_forum()


@pytest.fixture(scope="module")
def view(forum: Forum) -> View:
    return site_view(forum, BASE, datetime.now(WIB))


def parse(url: str, html: str, now: datetime | None = None) -> Any:
    return ENGINE.parse(Page(url=url, text=html), ParseContext(now=now))


def row(post: PostItem, thread: Any, position: int) -> tuple[Any, ...]:
    return (post.native_id, thread.native_id, thread.title, thread.container, position,
            post.author_name, post.author_id, post.published_at, post.body_text,
            tuple(post.quoted_native_ids))


def topic_rows(view: View, thread: Thread) -> list[tuple[Any, ...]]:
    """Every post of a thread as parsed page by page, following next_url."""
    rows: list[tuple[Any, ...]] = []
    url: str | None = view.topic_url(thread)
    while url:
        found = re.search(r"page/(\d+)/$", url)
        page = int(found[1]) if found else 1
        result = parse(url, render_topic(view, thread, page))
        rows += [row(p, result.thread, len(rows) + 1 + i) for i, p in enumerate(result.posts)]
        url = result.next_url
    return rows


def forum_ids(urls: list[str]) -> list[int]:
    """The forum ids of forum URLs, in order."""
    return [int(m[1]) for url in urls if (m := re.search(r"/forum/(\d+)-[^/]*/$", url))]


def locate(view: View, post_id: int) -> tuple[Thread, PostItem]:
    thread, index = view.forum.locate(post_id)
    page = index // 25 + 1
    result = parse(view.topic_url(thread, page), render_topic(view, thread, page))
    return thread, next(p for p in result.posts if p.native_id == str(post_id))


# -- detection --------------------------------------------------------------------------------


def test_detects_its_pages_and_no_other_engine_does(view: View, forum: Forum) -> None:
    thread = forum.threads[13]
    board = forum.board(2)
    assert board is not None
    for html in (render_index(view), render_forum(view, board, 1), render_topic(view, thread, 1)):
        page = Page(url=BASE, text=html)
        assert detect_engine(page)[0].name == "invision"
        assert ENGINE.detect(page) == 'body class "ipsApp"'
        others = [n for n in engine_names() if n not in ("invision", "selectors")]
        assert all(engine_named(n).detect(page) is None for n in others)
    phpbb = [phpbb_index(forum, "ab" * 16, forum.now),
             phpbb_topic(forum, thread, 0, "ab" * 16, forum.now, BASE)]
    assert all(ENGINE.detect(Page(url=BASE, text=html)) is None for html in phpbb)


# -- lists --------------------------------------------------------------------------------------


def test_index_lists_categories_forums_and_subforums(view: View) -> None:
    result = parse(f"{BASE}forums/", render_index(view))
    assert result.kind == "index"
    assert result.threads == [] and result.next_url is None
    assert sorted(forum_ids(result.boards)) == [1, 2, 3, 4, 5, 6, 7]
    assert f"{BASE}forums/forum/2-politik-pilkada-kalteng/" in result.boards


def test_forum_pages_list_topics_with_signatures_pins_and_paging(view: View) -> None:
    board = view.forum.board(2)
    assert board is not None
    topics = view.topics(board)
    assert len(topics) == 28
    first = parse(view.forum_url(board), render_forum(view, board, 1))
    assert first.kind == "board"
    assert forum_ids(first.boards) == [3]
    assert [t.native_id for t in first.threads] == [str(t.thread_id) for t in topics[:25]]
    assert first.next_url == f"{BASE}forums/forum/2-politik-pilkada-kalteng/page/2/"
    assert [t.sticky for t in first.threads] == [True] + [False] * 24
    for link, thread in zip(first.threads, topics, strict=False):
        assert link.url == view.topic_url(thread)
        assert link.title == thread.title
        assert link.container == board.name
        stamp = thread.posts[-1].published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert link.signature == f"{len(thread.posts) - 1}|{stamp}"
    last = parse(first.next_url, render_forum(view, board, 2))
    assert [t.native_id for t in last.threads] == [str(t.thread_id) for t in topics[25:]]
    assert last.next_url is None  # the inactive "next" link of the last page is no next page


def test_category_page_lists_its_forums(view: View) -> None:
    category = view.forum.board(1)
    assert category is not None
    result = parse(view.forum_url(category), render_forum(view, category, 1))
    assert result.kind == "board" and result.threads == []
    assert forum_ids(result.boards) == [2, 3, 4, 5]


# -- topic pages --------------------------------------------------------------------------------


def test_topic_pages_parse_to_the_truth(view: View) -> None:
    expected = truth(view.forum)
    long = [t for t in view.forum.threads.values() if len(t.posts) > 50][:2]
    single = next(t for t in view.forum.threads.values() if len(t.posts) == 1)
    for thread in [*long, single]:
        rows = topic_rows(view, thread)
        assert len(rows) == len(thread.posts)
        assert set(rows) <= expected


def test_topic_page_thread_info_urls_and_raw(view: View) -> None:
    thread = next(t for t in view.forum.threads.values() if len(t.posts) > 50)
    result = parse(view.topic_url(thread, 2), render_topic(view, thread, 2))
    assert result.kind == "thread"
    assert (result.thread.native_id, result.thread.title, result.thread.url) == (
        str(thread.thread_id), thread.title, view.topic_url(thread))
    assert result.next_url == view.topic_url(thread, 3)
    post = result.posts[0]
    assert post.native_id == str(thread.posts[25].post_id)
    assert post.url == f"{view.topic_url(thread)}?comment={post.native_id}&do=findComment"
    assert post.raw and post.raw.startswith(f"<article id=\"elComment_{post.native_id}\"")
    assert post.position is None and post.parent_native_id is None and post.title is None
    last = pages(len(thread.posts))
    assert parse(view.topic_url(thread, last), render_topic(view, thread, last)).next_url is None


def test_members_guests_and_deleted_members(view: View) -> None:
    posts = view.forum.all_posts()
    member = next(p for p in posts if p.author_id is not None and p.author_id not in view.deleted)
    _, found = locate(view, member.post_id)
    assert (found.author_name, found.author_id) == (member.author_name, str(member.author_id))
    assert found.author_url == profile_url(BASE, member.author_id, member.author_name)
    guest = next(p for p in posts if p.author_id is None)
    _, found = locate(view, guest.post_id)
    assert (found.author_name, found.author_id, found.author_url) == (guest.author_name, None,
                                                                      None)
    gone = next(p for p in posts if p.author_id in view.deleted)
    _, found = locate(view, gone.post_id)
    assert (found.author_name, found.author_id, found.author_url) == ("andreas_betang", None,
                                                                      None)


def test_member_ids_come_from_quote_data_where_guests_may_not_see_profiles(view: View) -> None:
    thread = next(t for t in view.forum.threads.values() if len(t.posts) > 20)
    html = re.sub(r"<a href='[^']*/profile/[^>]*class=\"ipsType_break\">([^<]*)</a>", r"\1",
                  render_topic(view, thread, 1))
    assert "/profile/" not in re.sub(r"<a href='[^']*' rel='nofollow' class='ipsUserPhoto.*?</a>",
                                     "", html)
    found = parse(view.topic_url(thread), html).posts
    assert [(p.author_name, p.author_id, p.author_url) for p in found] == [
        (p.author_name, None if view.member(p.author_id) is None else str(p.author_id), None)
        for p in thread.posts[:25]]


def test_quotes_are_recorded_and_left_out_of_the_own_text(view: View) -> None:
    double = next(p for p in view.forum.all_posts() if len(p.quoted_ids) == 2)
    _, found = locate(view, double.post_id)
    assert found.quoted_native_ids == [str(i) for i in double.quoted_ids]
    assert found.body_text == double.own_text
    assert len(found.quoted_text) == 2 and "berkata:" not in " ".join(found.quoted_text)
    assert found.quoted_text[0] == view.forum.post(double.quoted_ids[0]).own_text
    uncited = next(p for p in view.forum.all_posts()
                   if any(type(s).__name__ == "Uncited" for s in p.segments))
    _, found = locate(view, uncited.post_id)
    assert found.quoted_native_ids == [] and len(found.quoted_text) == 1
    assert "Kutipan" not in found.quoted_text[0] and "Kutipan" not in found.body_text


def test_edit_line_gives_edited_at_and_stays_out_of_the_text() -> None:
    forum = build_forum()
    post = forum.all_posts()[40]
    when = post.published_at + timedelta(hours=5, minutes=3)
    forum.edit_post(post.post_id, "Ralat: jadwalnya diundur :)", edited_at=when)
    view = site_view(forum, BASE)
    _, found = locate(view, post.post_id)
    assert found.edited_at == when
    assert found.body_text == forum.post(post.post_id).own_text
    assert "Diedit" not in found.body_text and found.body_text.endswith("diundur :)")
    assert edited(forum) == {str(post.post_id): when}


def test_emoticons_are_text_attachments_are_media_links_are_kept(view: View) -> None:
    post = next(p for p in view.forum.all_posts()
                if p.post_id % 41 == 0 and "Sumber: http" in p.own_text)
    _, found = locate(view, post.post_id)
    url = f"{BASE}uploads/monthly_2024_03/foto_{post.post_id}.jpg.4f1c.jpg"
    assert found.media == [{"type": "image", "url": url, "alt": f"foto_{post.post_id}.jpg"}]
    assert re.findall(r"https?://\S+", post.own_text)[0] in found.links
    smiley = next(p for p in view.forum.all_posts() if " :)" in p.own_text)
    _, found = locate(view, smiley.post_id)
    assert found.body_text == smiley.own_text and found.media == []


def test_dates_without_datetime_attributes_fall_back_to_title_and_relative_text(
        forum: Forum) -> None:
    now = datetime.now(WIB)
    view = site_view(forum, BASE, now)
    recent = [p for p in forum.all_posts() if p.published_at > now - timedelta(days=2)]
    assert recent
    for post in recent:
        thread, index = forum.locate(post.post_id)
        html = render_topic(view, thread, index // 25 + 1)
        assert re.search(r">(Kemarin pukul \d\d:\d\d|\d+ (jam|menit) yang lalu|Baru saja)<", html)
        no_stamp = re.sub(r" datetime='[^']*'", "", html)
        found = next(p for p in parse(BASE, no_stamp, now).posts
                     if p.native_id == str(post.post_id))
        assert found.published_at == post.published_at  # the title: the full local time
        text_only = re.sub(r" title='\d\d/[^']*'", "", no_stamp)
        found = next(p for p in parse(BASE, text_only, now).posts
                     if p.native_id == str(post.post_id))
        assert found.published_at is not None
        assert abs(found.published_at - post.published_at) < timedelta(hours=1)


def test_topic_page_without_posts_is_a_parse_error() -> None:
    html = ("<html><body class='ipsApp ipsApp_front' data-pageController='topic'>"
            "<h1 class='ipsType_pageTitle'>Jalan</h1><p>Sedang dalam perawatan</p></body></html>")
    with pytest.raises(UnparsablePage, match="no Invision posts"):
        parse(f"{BASE}forums/topic/5-jalan/page/2/", html)


def test_urls_rewritten_or_not() -> None:
    assert topic_id(f"{BASE}forums/topic/45-judul/page/3/?do=getNewComment") == "45"
    assert topic_id(f"{BASE}index.php?/topic/45-judul/&do=findComment&comment=9") == "45"
    assert topic_id(f"{BASE}index.php?app=forums&module=forums&controller=topic&id=7") == "7"
    assert topic_id(f"{BASE}forums/forum/7-topic/") is None
    assert first_page(f"{BASE}forums/topic/45-judul/page/3/?sortby=date#comment-9") == (
        f"{BASE}forums/topic/45-judul/")
    assert first_page(f"{BASE}index.php?/forums/topic/45-judul/page/3/&do=x") == (
        f"{BASE}index.php?/forums/topic/45-judul/")
    assert first_page(f"{BASE}index.php?app=forums&controller=topic&id=7&page=2") == (
        f"{BASE}index.php?app=forums&controller=topic&id=7")
    assert profile_id(f"{BASE}index.php?/profile/12-budi/&do=hovercard") == "12"
    assert profile_id(f"{BASE}profile/12-budi/?do=hovercard") == "12"


def test_site_without_url_rewriting(forum: Forum) -> None:
    base = f"{BASE}index.php?/"
    view = site_view(forum, base)
    thread = next(t for t in forum.threads.values() if len(t.posts) > 30)
    result = parse(view.topic_url(thread), render_topic(view, thread, 1))
    assert result.thread.url == view.topic_url(thread)
    assert result.thread.url.startswith(f"{base}forums/topic/{thread.thread_id}-")
    assert result.next_url == view.topic_url(thread, 2)
    post = result.posts[0]
    assert post.url == f"{result.thread.url}&comment={post.native_id}&do=findComment"
    member = next(p for p in result.posts if p.author_id is not None)
    assert member.author_url and member.author_url.startswith(f"{base}profile/")
    assert "hovercard" not in member.author_url
    board = forum.board(2)
    assert board is not None
    listing = parse(view.forum_url(board), render_forum(view, board, 1))
    assert listing.threads[0].url.startswith(f"{base}forums/topic/")
    assert listing.next_url == view.forum_url(board, 2)


# -- shared helpers on Invision markup ------------------------------------------------------


def test_extract_body_reads_invision_quotes_edit_lines_and_emoticons() -> None:
    html = ('<div data-role="commentContent"><blockquote class="ipsQuote" data-ipsquote="" '
            'data-ipsquote-contentcommentid="123" data-ipsquote-username="budi"><div '
            'class="ipsQuote_citation">Pada 18/03/2024, budi berkata:</div><div '
            'class="ipsQuote_contents"><p>Jalan rusak.</p></div></blockquote><p>Setuju '
            '<img alt=":)" data-emoticon="" src="/uploads/emoticons/smile.png"></p>'
            '<span class="ipsType_reset" data-excludequote><strong>Diedit oleh budi</strong>'
            '</span></div>')
    parts = extract_body(Selector(text=html).css("div")[0], BASE)
    assert (parts.own_text, parts.quoted_ids, parts.quoted_texts, parts.media) == (
        "Setuju :)", ["123"], ["Jalan rusak."], [])
    assert canonicalize_url(f"{BASE}index.php?/forums/topic/5-x/&page=2&sid=ab#comment-3") == (
        f"{BASE}index.php?/forums/topic/5-x/&page=2")
