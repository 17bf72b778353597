"""Offline crawls of the Discourse fixture site: full, after changes, and incremental."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.demosite import build_forum
from tests.forumcrawl import crawl_items, known_threads, of_type, stats
from tests.sites.discourse import DiscourseServer, truth
from tests.sites.discourse_model import updated_at

LONG = 46  # the 80-post thread


def post_rows(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(r["native_id"], r["thread_native_id"], r["thread_title"], r["container"],
             r["position"], r["author_name"], r["author_id"],
             datetime.fromisoformat(r["published_at"]), r["body_text"],
             tuple(r["quoted_native_ids"]), r["parent_native_id"])
            for r in of_type(rows, "PostItem")}


def topic_requests(server: DiscourseServer) -> list[str]:
    return [p for p in server.request_log if p.startswith("/t/")]


@pytest.mark.slow
def test_crawls_match_the_site_full_after_changes_and_incremental(tmp_path: Path) -> None:
    forum = build_forum()
    with DiscourseServer(forum) as server:
        rows = crawl_items("discourse", server.url, tmp_path)
        assert post_rows(rows) == truth(server)
        threads = {r["native_id"]: r for r in of_type(rows, "ThreadItem")}
        assert set(threads) == {str(t) for t in forum.threads} | {
            str(b.forum_id) for b in forum.boards}  # and the categories' "about" topics
        assert threads[str(LONG)]["post_native_ids"] == [
            str(p.post_id) for p in forum.threads[LONG].posts]
        assert (threads[str(LONG)]["pages"], threads[str(LONG)]["complete"]) == (4, True)
        pages = topic_requests(server)
        assert len(pages) == len(set(pages)) == len(forum.boards) + sum(
            -(-len(t.posts) // 20) for t in forum.threads.values())
        assert "/robots.txt" in server.request_log
        statuses = {k for k in stats(rows) if k.startswith("downloader/response_status_count/")}
        assert statuses == {"downloader/response_status_count/200"}  # no 404, no redirect

        edited_thread = forum.threads[LONG - 1]
        with server.lock:
            edited = forum.edit_post(edited_thread.posts[-1].post_id, "Sudah saya ralat ;)")
            shrunk = next(t for t in forum.threads.values() if t.forum_id == 7
                          and len(t.posts) > 2)
            forum.delete_post(shrunk.posts[-1].post_id)
            first = forum.threads[LONG].posts[0]
            reply = forum.add_post(LONG, "Setuju dengan pembuka topik", author_name="Tamu",
                                   quote_post_id=first.post_id)
        rows = crawl_items("discourse", server.url, tmp_path)
        assert post_rows(rows) == truth(server)
        items = {r["native_id"]: r for r in of_type(rows, "PostItem")}
        assert items[str(edited.post_id)]["body_text"].endswith("Sudah saya ralat :wink:")
        assert datetime.fromisoformat(items[str(edited.post_id)]["edited_at"]) == \
            updated_at(edited)
        assert items[str(reply.post_id)]["parent_native_id"] == str(first.post_id)
        assert items[str(reply.post_id)]["position"] == 81
        shrunk_item = next(r for r in of_type(rows, "ThreadItem")
                           if r["native_id"] == str(shrunk.thread_id))
        assert shrunk_item["post_native_ids"] == [str(p.post_id) for p in shrunk.posts]

        known = known_threads(rows)
        with server.lock:
            newest = forum.add_post(LONG, "Kabar terbaru hari ini :)", author_name="lestari",
                                    author_id=next(u.user_id for u in forum.users
                                                   if u.name == "lestari"),
                                    quote_post_id=reply.post_id)
        server.request_log.clear()
        rows = crawl_items("forum", server.url, tmp_path, known_threads=known)
        assert stats(rows)["pantau/engine"] == "discourse"  # detected from the home page
        pages = topic_requests(server)
        assert pages[0] == f"/t/{LONG}/81.json"  # around the last stored post
        assert all(p.startswith(f"/t/{LONG}") for p in pages)
        fetched = post_rows(rows)
        assert fetched <= truth(server)
        assert str(newest.post_id) in {row[0] for row in fetched}
        row = next(r for r in of_type(rows, "PostItem") if r["native_id"] == str(newest.post_id))
        assert (row["position"], row["quoted_native_ids"], row["parent_native_id"]) == (
            82, [str(reply.post_id)], str(reply.post_id))
        resumed = next(r for r in of_type(rows, "ThreadItem") if r["native_id"] == str(LONG))
        assert resumed["complete"] is False
