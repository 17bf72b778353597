"""The phpBB spider: callbacks on rendered pages, full offline crawls, and a real page."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.demosite import DemoForumServer, Forum, build_forum
from crawler.demosite.model import WIB
from crawler.demosite.render import render_index, render_viewforum, render_viewtopic
from crawler.extract import query_param
from crawler.items import PostItem, ThreadItem
from spiders.forum import ThreadCrawl
from spiders.phpbb import PhpbbSpider
from tests.forumcrawl import crawl_items

BASE = "http://127.0.0.1:8765/"
SID = "0123456789abcdef0123456789abcdef"



def crawl(start_url: str, out: Path) -> list[dict[str, Any]]:
    return crawl_items("phpbb", start_url, out.parent)


def truth_rows(forum: Forum) -> set[tuple[Any, ...]]:
    return {(r.native_id, r.thread_native_id, r.thread_title, r.container, r.position,
             r.author_name, r.author_id, r.published_at, r.body_text, r.quoted_native_ids)
            for r in forum.truth()}


def item_rows(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(r["native_id"], r["thread_native_id"], r["thread_title"], r["container"],
             r["position"], r["author_name"], r["author_id"],
             datetime.fromisoformat(r["published_at"]), r["body_text"],
             tuple(r["quoted_native_ids"])) for r in rows if r["_type"] == "PostItem"}


def response(url: str, html: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8")


@pytest.fixture(scope="module")
def forum() -> Forum:
    return build_forum()


def test_parse_index_follows_boards_and_subforums(forum: Forum) -> None:
    spider = PhpbbSpider(start_url=BASE)
    requests = list(spider.parse(response(BASE, render_index(forum, SID, forum.now))))
    urls = [r.url for r in requests]
    assert set(urls) == {f"{BASE}viewforum.php?f={f}" for f in (2, 3, 4, 5, 7)}
    assert all("sid=" not in u for u in urls)


def test_parse_forum_topics_and_next_page(forum: Forum) -> None:
    spider = PhpbbSpider(start_url=BASE)
    board = forum.board(2)
    assert board is not None
    html = render_viewforum(forum, board, 0, SID, forum.now)
    requests = [r for r in spider.parse(response(f"{BASE}viewforum.php?f=2", html))
                if isinstance(r, Request)]
    topics = [r.url for r in requests if "viewtopic" in r.url]
    expected = [f"{BASE}viewtopic.php?t={t.thread_id}" for t in forum.topics(2)[:25]]
    assert topics == expected
    assert f"{BASE}viewforum.php?f=3" in [r.url for r in requests]  # the subforum
    assert f"{BASE}viewforum.php?f=2&start=25" in [r.url for r in requests]
    last = render_viewforum(forum, board, 25, SID, forum.now)
    out = list(spider.parse(response(f"{BASE}viewforum.php?f=2&start=25", last)))
    assert not [r for r in out if isinstance(r, Request) and "viewforum.php?f=2&" in r.url]


def test_parse_topic_pages_chain_to_a_thread_item(forum: Forum) -> None:
    spider = PhpbbSpider(start_url=BASE)
    thread = next(t for t in forum.threads.values() if 20 < len(t.posts) <= 30)
    truth = {r.native_id: r for r in forum.truth() if r.thread_native_id == str(thread.thread_id)}
    crawl = ThreadCrawl(None, complete=True)
    url: str | None = f"{BASE}viewtopic.php?t={thread.thread_id}"
    thread_items: list[ThreadItem] = []
    while url:
        start = int(query_param(url, "start") or 0)
        html = render_viewtopic(forum, thread, start, SID, datetime.now(WIB), BASE)
        out = list(spider.parse(response(url, html), thread=crawl))
        posts = [o for o in out if isinstance(o, PostItem)]
        assert len(posts) == min(10, len(thread.posts) - start)
        for post in posts:
            expected = truth[post.native_id]
            assert (post.position, post.author_name, post.author_id, post.published_at,
                    post.body_text, tuple(post.quoted_native_ids), post.container) == (
                expected.position, expected.author_name, expected.author_id,
                expected.published_at, expected.body_text, expected.quoted_native_ids,
                expected.container)
            assert post.url == f"{BASE}viewtopic.php?p={post.native_id}"
            assert post.raw and post.raw.startswith(f'<div id="p{post.native_id}"')
            assert post.links == list(expected.links)
        follow = [o for o in out if isinstance(o, Request)]
        thread_items += [o for o in out if isinstance(o, ThreadItem)]
        url = follow[0].url if follow else None
        if follow:
            assert "sid=" not in follow[0].url
            crawl = follow[0].cb_kwargs["thread"]
    assert len(thread_items) == 1
    assert thread_items[0].post_native_ids == [str(p.post_id) for p in thread.posts]
    assert thread_items[0].pages == 3
    assert thread_items[0].url == f"{BASE}viewtopic.php?t={thread.thread_id}"


def test_relative_dates_parse(forum: Forum) -> None:
    spider = PhpbbSpider(start_url=BASE)
    now = datetime.now(WIB)
    recent = [p for p in forum.all_posts() if p.published_at > now - timedelta(days=3)]
    assert recent
    for post in recent:
        thread, index = forum.locate(post.post_id)
        start = index - index % 10
        html = render_viewtopic(forum, thread, start, SID, now, BASE)
        assert "Hari ini, " in html or "Kemarin, " in html
        items = spider.parse(response(f"{BASE}viewtopic.php?t={thread.thread_id}", html))
        found = next(i for i in items
                     if isinstance(i, PostItem) and i.native_id == str(post.post_id))
        assert found.published_at == post.published_at


def test_guest_post_has_name_but_no_id(forum: Forum) -> None:
    spider = PhpbbSpider(start_url=BASE)
    guest = next(p for p in forum.all_posts() if p.author_id is None)
    thread, index = forum.locate(guest.post_id)
    html = render_viewtopic(forum, thread, index - index % 10, SID, forum.now, BASE)
    items = spider.parse(response(f"{BASE}viewtopic.php?t={thread.thread_id}", html))
    found = next(i for i in items if isinstance(i, PostItem) and i.native_id == str(guest.post_id))
    assert (found.author_name, found.author_id, found.author_url) == (guest.author_name, None, None)


@pytest.mark.slow
def test_full_crawl_matches_truth_then_sees_edits_deletions_and_additions(tmp_path: Path) -> None:
    forum = build_forum()
    with DemoForumServer(forum) as server:
        rows = crawl(server.url, tmp_path / "first.jsonl")
        assert item_rows(rows) == truth_rows(forum)
        threads = {r["native_id"]: r for r in rows if r["_type"] == "ThreadItem"}
        assert set(threads) == {str(t) for t in forum.threads}
        for thread in forum.threads.values():
            record = threads[str(thread.thread_id)]
            assert record["post_native_ids"] == [str(p.post_id) for p in thread.posts]
            assert record["pages"] == -(-len(thread.posts) // 10)
        topic_pages = [p for p in server.request_log if p.startswith("/viewtopic.php")]
        assert len(topic_pages) == len(set(topic_pages)) == sum(
            -(-len(t.posts) // 10) for t in forum.threads.values())
        assert all("sid=" not in p for p in server.request_log)

        long_thread = next(t for t in forum.threads.values() if len(t.posts) > 40)
        forum.delete_post(long_thread.posts[2].post_id)
        forum.edit_post(long_thread.posts[30].post_id, "Isi baru setelah diedit :)")
        forum.add_post(long_thread.thread_id, "Balasan paling baru", author_name="warga sampit",
                       quote_post_id=long_thread.posts[0].post_id)
        server.request_log.clear()
        rows = crawl(server.url, tmp_path / "second.jsonl")
        assert item_rows(rows) == truth_rows(forum)
        thread_item = next(r for r in rows if r["_type"] == "ThreadItem"
                           and r["native_id"] == str(long_thread.thread_id))
        assert thread_item["post_native_ids"] == [str(p.post_id) for p in long_thread.posts]


@pytest.mark.slow
def test_crawl_from_a_topic_url(tmp_path: Path) -> None:
    forum = build_forum()
    thread = max(forum.threads.values(), key=lambda t: len(t.posts))
    with DemoForumServer(forum) as server:
        rows = crawl(f"{server.url}viewtopic.php?t={thread.thread_id}&sid={SID}",
                     tmp_path / "topic.jsonl")
        expected = {row for row in truth_rows(forum) if row[1] == str(thread.thread_id)}
        assert item_rows(rows) == expected
        assert [r["_type"] for r in rows].count("ThreadItem") == 1


def test_real_phpbb_page(real_fixtures: Path) -> None:
    all_truth = json.loads((real_fixtures / "truth.json").read_text("utf-8"))
    truth = all_truth["phpbb/foren.myoos.de.html"]
    html = (real_fixtures / "phpbb" / "foren.myoos.de.html").read_bytes()
    spider = PhpbbSpider(start_url=truth["thread_url"], timezone="Europe/Berlin")
    page = HtmlResponse(url=truth["thread_url"], body=html)
    out = list(spider.parse(page))
    posts = [o for o in out if isinstance(o, PostItem)]
    assert [(p.native_id, p.author_name) for p in posts] == [
        (t["native_id"], t["author"]) for t in truth["posts"]]
    post = posts[0]
    assert post.published_at == datetime(2009, 1, 21, 5, 42, tzinfo=ZoneInfo("Europe/Berlin"))
    assert post.author_id == "5"
    assert post.thread_native_id == "167"
    assert post.thread_title == truth["thread_title"]
    assert post.container == "MyOOS: Allgemeines"
    assert post.body_text.startswith("Was ist Freie Software und warum ist sie wichtig?")
    assert "Digitalagentur" not in post.body_text
    threads = [o for o in out if isinstance(o, ThreadItem)]
    assert [(t.native_id, t.post_native_ids, t.pages) for t in threads] == [("167", ["453"], 1)]


def test_topic_page_without_posts_is_a_parse_error_not_a_deletion() -> None:
    from crawler.items import UnparsablePage

    spider = PhpbbSpider(start_url=BASE)
    page = HtmlResponse(url=f"{BASE}viewtopic.php?t=3&start=10", encoding="utf-8",
                        body=b"<html><body><h2 class='topic-title'><a href='./viewtopic.php?t=3'>"
                             b"Jalan</a></h2><p>Forum sedang dalam perawatan</p></body></html>")
    with pytest.raises(UnparsablePage, match="no phpBB posts on topic page"):
        list(spider.parse(page, thread=ThreadCrawl(None, complete=True, offset=10)))
