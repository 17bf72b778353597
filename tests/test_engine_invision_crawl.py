"""The Invision Community engine end to end: crawls of the fixture site, and real pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest

from crawler.demosite import build_forum
from crawler.extract.engines import Page, ParseContext
from crawler.extract.engines.invision import ENGINE
from tests.forumcrawl import crawl_items, known_threads, of_type, real_entries
from tests.sites.invision import InvisionServer, edited, truth
from tests.sites.invision_lists import pages

# -- crawls ---------------------------------------------------------------------------------


def item_rows(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(r["native_id"], r["thread_native_id"], r["thread_title"], r["container"],
             r["position"], r["author_name"], r["author_id"],
             datetime.fromisoformat(r["published_at"]), r["body_text"],
             tuple(r["quoted_native_ids"])) for r in of_type(rows, "PostItem")}


@pytest.mark.slow
def test_full_crawl_then_changes_then_an_incremental_crawl(tmp_path: Path) -> None:
    forum = build_forum()
    forum.edit_post(forum.all_posts()[7].post_id, "Sudah saya perbaiki, maaf salah ketik.")
    with InvisionServer(forum) as server:
        rows = crawl_items("invision", f"{server.url}forums/", tmp_path)
        assert item_rows(rows) == truth(forum)
        assert {r["native_id"]: datetime.fromisoformat(r["edited_at"])
                for r in of_type(rows, "PostItem") if r["edited_at"]} == edited(forum)
        threads = {r["native_id"]: r for r in of_type(rows, "ThreadItem")}
        assert set(threads) == {str(t) for t in forum.threads}
        for thread in forum.threads.values():
            record = threads[str(thread.thread_id)]
            assert record["post_native_ids"] == [str(p.post_id) for p in thread.posts]
            assert record["pages"] == pages(len(thread.posts))
        topic_pages = [p for p in server.request_log if "/topic/" in p]
        assert len(topic_pages) == len(set(topic_pages)) == sum(
            pages(len(t.posts)) for t in forum.threads.values())

        long_thread = next(t for t in forum.threads.values() if len(t.posts) > 60)
        forum.delete_post(long_thread.posts[2].post_id)
        forum.add_post(long_thread.thread_id, "Balasan paling baru", author_name="warga sampit",
                       quote_post_id=long_thread.posts[0].post_id)
        known = known_threads(threads.values())
        server.request_log.clear()
        rows = crawl_items("invision", f"{server.url}forums/", tmp_path, known_threads=known)
        new = of_type(rows, "PostItem")
        assert [r["native_id"] for r in new][-1] == str(long_thread.posts[-1].post_id)
        assert {r["thread_native_id"] for r in new} == {str(long_thread.thread_id)}
        # Positions of a resumed thread count from the stored ones (deletions are judged only
        # by complete crawls), so compare everything else.
        def unplaced(found: set[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
            return {r[:4] + r[5:] for r in found}

        assert unplaced(item_rows(rows)) <= unplaced(truth(forum))
        assert not [p for p in server.request_log if "/topic/" in p and
                    f"/topic/{long_thread.thread_id}-" not in p]

        server.request_log.clear()
        rows = crawl_items("invision", f"{server.url}forums/", tmp_path)
        assert item_rows(rows) == truth(forum)


@pytest.mark.slow
def test_crawl_from_a_topic_url_with_an_old_slug(tmp_path: Path) -> None:
    forum = build_forum()
    thread = max(forum.threads.values(), key=lambda t: len(t.posts))
    with InvisionServer(forum) as server:
        rows = crawl_items("invision", f"{server.url}forums/topic/{thread.thread_id}-judul-lama/",
                           tmp_path)
        expected = {r for r in truth(forum) if r[1] == str(thread.thread_id)}
        assert item_rows(rows) == expected
        assert [r["_type"] for r in rows].count("ThreadItem") == 1
        last = of_type(rows, "PostItem")[-1]  # its URL leads to the page that shows it
        with urlopen(last["url"]) as reply:  # the local fixture site
            assert f"id='elComment_{last['native_id']}'" in reply.read().decode("utf-8")
            anchor = f"/page/{pages(len(thread.posts))}/#comment-{last['native_id']}"
            assert reply.url.endswith(anchor)


# -- real pages -----------------------------------------------------------------------------


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")


def test_real_invision_pages(real_fixtures: Path) -> None:
    """Every saved Invision Community page in ../shared/fixtures/real parses to its truth."""
    entries = real_entries(real_fixtures, "invision")
    if not entries:
        pytest.skip("no real Invision Community pages in the fixtures")
    for name, entry in entries:
        page = Page.from_bytes(entry["thread_url"], (real_fixtures / name).read_bytes())
        assert ENGINE.detect(page)
        result = ENGINE.parse(page, ParseContext())
        if "thread_title" in entry:
            assert result.thread.title == entry["thread_title"]
        assert [(p.native_id, p.author_name) for p in result.posts] == [
            (t["native_id"], t["author"]) for t in entry["posts"]]
        for post, want in zip(result.posts, entry["posts"], strict=True):
            if want.get("published"):
                assert post.published_at == _instant(want["published"])
