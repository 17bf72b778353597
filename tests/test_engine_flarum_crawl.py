"""Crawls of the Flarum fixture site with the flarum spider: full, incremental and from a
discussion's page URL, compared with the site's truth as full tuples."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.forumcrawl import crawl_items, known_threads, of_type
from tests.sites.flarum import FlarumServer, build_flarum_forum, truth


@pytest.fixture(scope="module")
def site() -> Iterator[FlarumServer]:
    with FlarumServer(build_flarum_forum()) as server:
        yield server


def item_rows(items: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(r["native_id"], r["thread_native_id"], r["thread_title"], r["container"],
             r["position"], r["author_name"], r["author_id"],
             datetime.fromisoformat(r["published_at"]), r["body_text"],
             tuple(r["quoted_native_ids"]), r["parent_native_id"])
            for r in of_type(items, "PostItem")}


def test_full_crawl_then_incremental_crawl_match_truth(tmp_path: Path) -> None:
    forum = build_flarum_forum()
    with FlarumServer(forum, prefix="/forum/") as server:
        first = crawl_items("flarum", server.url, tmp_path)
        assert len(of_type(first, "PostItem")) == len(forum.all_posts())
        assert item_rows(first) == truth(server)
        threads = of_type(first, "ThreadItem")
        assert {t["native_id"] for t in threads} == {str(i) for i in forum.threads}
        assert not [r for r in server.request_log if "/api/" not in r and "robots" not in r]

        long = max(forum.threads.values(), key=lambda t: len(t.posts))
        with server.lock:
            added = forum.add_post(long.thread_id, "Info terbaru: jadwal debat diumumkan.",
                                   author_name="warga palangka", author_id=None,
                                   quote_post_id=long.posts[-2].post_id)
        server.request_log.clear()
        known = known_threads(threads)
        second = crawl_items("flarum", server.url, tmp_path, known_threads=known)
        got = item_rows(second)
        assert str(added.post_id) in {row[0] for row in got}
        assert got <= truth(server)
        assert {row[1] for row in got} == {str(long.thread_id)}
        assert not [r for r in server.request_log if "/api/discussions/" in r]


def test_crawl_of_one_discussion_from_its_page_url(tmp_path: Path, site: FlarumServer) -> None:
    thread = site.forum.threads[13]
    items = crawl_items("flarum", f"{site.url}d/13-{thread.title.lower().replace(' ', '-')}",
                        tmp_path)
    expected = {row for row in truth(site) if row[1] == "13"}
    assert item_rows(items) == expected
    assert [t["native_id"] for t in of_type(items, "ThreadItem")] == ["13"]
