"""Full offline crawls of the vBulletin 4 and 5 fixture sites compared with the ground truth,
and the real vBulletin pages among the shared fixtures (when there are any)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.demosite import Forum
from crawler.extract.engines import Page, ParseContext, engine_named
from tests.forumcrawl import crawl_items, known_threads, of_type, real_entries
from tests.sites.vbulletin4 import Vbulletin4Server
from tests.sites.vbulletin4 import truth as vb4_truth
from tests.sites.vbulletin5 import Vbulletin5Server
from tests.sites.vbulletin5 import truth as vb5_truth
from tests.sites.vbulletin_data import item_rows, vb_forum


def _edits(rows: list[dict[str, Any]]) -> dict[str, datetime]:
    return {r["native_id"]: datetime.fromisoformat(r["edited_at"])
            for r in of_type(rows, "PostItem") if r["edited_at"]}


def test_vbulletin4_crawl_matches_truth(tmp_path: Path) -> None:
    """From forumhome: every post of every thread, no session hash ever requested, every
    thread complete; windows-1252, UTF-8 and meta-only pages decoded alike. Then an
    incremental crawl that knows the first one."""
    forum = vb_forum()
    with Vbulletin4Server(forum) as server:
        rows = crawl_items("vbulletin4", server.url, tmp_path)
        assert item_rows(rows) == vb4_truth(server)
        requested = server.request_log.snapshot()
        assert not any("s=" in path for path in requested)
        assert all(path.startswith(("/robots.txt", "/forum/")) for path in requested)
        threads = of_type(rows, "ThreadItem")
        assert sorted(int(t["native_id"]) for t in threads) == sorted(forum.threads)
        assert all(t["complete"] for t in threads)
        assert _edits(rows) == {r.native_id: r.edited_at for r in forum.truth() if r.edited_at}
        longest = max(forum.threads.values(), key=lambda t: len(t.posts))
        item = next(t for t in threads if t["native_id"] == str(longest.thread_id))
        assert item["pages"] == -(-len(longest.posts) // 10)
        assert item["url"] == f"{server.url}showthread.php?t={longest.thread_id}"
        _incremental(forum, server, threads, tmp_path)


def _incremental(forum: Forum, server: Vbulletin4Server, threads: list[dict[str, Any]],
                 tmp_path: Path) -> None:
    """A second crawl that knows the first: only the thread with a new reply is fetched,
    from its last known page, and the reply gets the next position."""
    known = known_threads(threads)
    thread = max((t for t in forum.threads.values() if t.forum_id == 4),
                 key=lambda t: len(t.posts))
    with server.lock:
        reply = forum.add_post(thread.thread_id, "Balasan baru dari Sampit.", "warga sampit")
    server.request_log.clear()
    rows = crawl_items("vbulletin4", server.url, tmp_path, known_threads=known)
    posts = of_type(rows, "PostItem")
    assert {p["thread_native_id"] for p in posts} == {str(thread.thread_id)}
    new = next(p for p in posts if p["native_id"] == str(reply.post_id))
    assert (new["position"], new["body_text"], new["author_id"]) == (
        len(thread.posts), "Balasan baru dari Sampit.", None)
    fetched = [p for p in server.request_log.snapshot() if "showthread" in p]
    assert fetched == [f"/forum/showthread.php?page={-(-(len(thread.posts) - 1) // 10)}"
                       f"&t={thread.thread_id}"]


def test_vbulletin5_crawl_with_the_version_detecting_engine(tmp_path: Path) -> None:
    """``engine: vbulletin`` on a vBulletin 5 site: topic ids are starter node ids."""
    forum = vb_forum()
    with Vbulletin5Server(forum) as server:
        rows = crawl_items("vbulletin", server.url + "forum", tmp_path)
        assert item_rows(rows) == vb5_truth(server)
    threads = of_type(rows, "ThreadItem")
    assert sorted(t["native_id"] for t in threads) == sorted(
        str(n) for n in server.nodes.values())
    assert _edits(rows) == {r.native_id: r.edited_at for r in forum.truth() if r.edited_at}


def test_real_vbulletin_pages(real_fixtures: Path) -> None:
    """Every real vBulletin page in ../shared/fixtures/real parses to its truth.json entry:
    detected, the same post ids in order, the same authors, and the same times where the
    truth states them exactly."""
    pages = real_entries(real_fixtures, "vbulletin")
    if not pages:
        pytest.skip("no vBulletin pages among the real fixtures")
    engine = engine_named("vbulletin")
    for name, entry in pages:
        url = entry.get("thread_url") or f"https://example.invalid/{name}"
        page = Page.from_bytes(url, (real_fixtures / name).read_bytes())
        assert engine.detect(page), name
        result = engine.parse(page, ParseContext(timezone=entry.get("timezone", "UTC")))
        expected = entry["posts"]
        assert [p.native_id for p in result.posts] == [e["native_id"] for e in expected], name
        assert [p.author_name for p in result.posts] == [e["author"] for e in expected], name
        if entry.get("thread_title") and result.thread is not None:
            assert result.thread.title == entry["thread_title"], name
        for post, want in zip(result.posts, expected, strict=True):
            try:
                stamp = datetime.fromisoformat(want.get("published", ""))
            except ValueError:
                continue  # "as displayed": the page states no zone
            assert post.published_at == stamp, (name, post.native_id)
