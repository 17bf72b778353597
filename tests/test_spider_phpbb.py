"""The phpBB spider: callbacks on rendered pages, full offline crawls, and a real page."""

from __future__ import annotations

import json
import subprocess
import sys
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
from spiders.phpbb import PhpbbSpider

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:8765/"
SID = "0123456789abcdef0123456789abcdef"

# Runs one crawl in a fresh interpreter (Twisted's reactor does not restart) and writes
# every item as a JSON line with ISO datetimes.
CRAWL_SCRIPT = """
import json, sys
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from spiders.phpbb import PhpbbSpider

start_url, out = sys.argv[1], sys.argv[2]
rows = []

def scraped(item, response, spider):
    row = {slot: getattr(item, slot) for slot in item.__slots__ if slot != "raw"}
    row["_type"] = type(item).__name__
    rows.append(row)

process = CrawlerProcess(settings={
    "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "DOWNLOAD_DELAY": 0,
})
crawler = process.create_crawler(PhpbbSpider)
crawler.signals.connect(scraped, signal=signals.item_scraped)
process.crawl(crawler, start_url=start_url)
process.start()
with open(out, "w", encoding="utf-8") as fh:
    for row in rows:
        fh.write(json.dumps(row, default=lambda o: o.isoformat(), ensure_ascii=False) + "\\n")
"""


def crawl(start_url: str, out: Path) -> list[dict[str, Any]]:
    subprocess.run([sys.executable, "-c", CRAWL_SCRIPT, start_url, str(out)], cwd=ROOT,
                   check=True, timeout=240)
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


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
    requests = list(spider.parse_index(response(BASE, render_index(forum, SID, forum.now))))
    urls = [r.url for r in requests]
    assert set(urls) == {f"{BASE}viewforum.php?f={f}" for f in (2, 3, 4, 5, 7)}
    assert all("sid=" not in u for u in urls)


def test_parse_forum_topics_and_next_page(forum: Forum) -> None:
    spider = PhpbbSpider(start_url=BASE)
    board = forum.board(2)
    assert board is not None
    html = render_viewforum(forum, board, 0, SID, forum.now)
    requests = [r for r in spider.parse_forum(response(f"{BASE}viewforum.php?f=2", html))
                if isinstance(r, Request)]
    topics = [r.url for r in requests if "viewtopic" in r.url]
    expected = [f"{BASE}viewtopic.php?t={t.thread_id}" for t in forum.topics(2)[:25]]
    assert topics == expected
    assert f"{BASE}viewforum.php?f=3" in [r.url for r in requests]  # the subforum
    assert f"{BASE}viewforum.php?f=2&start=25" in [r.url for r in requests]
    last = render_viewforum(forum, board, 25, SID, forum.now)
    assert spider.next_page_url(response(f"{BASE}viewforum.php?f=2&start=25", last)) is None


def test_parse_topic_pages_chain_to_a_thread_item(forum: Forum) -> None:
    spider = PhpbbSpider(start_url=BASE)
    thread = next(t for t in forum.threads.values() if 20 < len(t.posts) <= 30)
    truth = {r.native_id: r for r in forum.truth() if r.thread_native_id == str(thread.thread_id)}
    post_ids: list[str] = []
    pages = 0
    url: str | None = f"{BASE}viewtopic.php?t={thread.thread_id}"
    thread_items: list[ThreadItem] = []
    while url:
        start = int(query_param(url, "start") or 0)
        html = render_viewtopic(forum, thread, start, SID, datetime.now(WIB), BASE)
        out = list(spider.parse_topic(response(url, html), post_ids=post_ids, pages=pages))
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
            post_ids, pages = follow[0].cb_kwargs["post_ids"], follow[0].cb_kwargs["pages"]
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
        items = spider.parse_topic(response(f"{BASE}viewtopic.php?t={thread.thread_id}", html),
                                   post_ids=[], pages=0)
        found = next(i for i in items
                     if isinstance(i, PostItem) and i.native_id == str(post.post_id))
        assert found.published_at == post.published_at


def test_guest_post_has_name_but_no_id(forum: Forum) -> None:
    spider = PhpbbSpider(start_url=BASE)
    guest = next(p for p in forum.all_posts() if p.author_id is None)
    thread, index = forum.locate(guest.post_id)
    html = render_viewtopic(forum, thread, index - index % 10, SID, forum.now, BASE)
    items = spider.parse_topic(response(f"{BASE}viewtopic.php?t={thread.thread_id}", html),
                               post_ids=[], pages=0)
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
    out = list(spider.parse_topic(page, post_ids=[], pages=0))
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
        list(spider.parse_topic(page, post_ids=["1", "2"], pages=1))
