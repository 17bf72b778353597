"""Full crawls of the fixture blog: through the REST API, through the theme when the API is
off (both to the same posts), and an incremental crawl that fetches only changed threads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.demosite import build_forum
from tests.forumcrawl import crawl_items, known_threads, of_type, stats
from tests.sites.wordpress import WordPressServer, truth

Rows = list[dict[str, Any]]


def post_rows(rows: Rows) -> set[tuple[Any, ...]]:
    """PostItems as truth tuples (see tests.sites.wordpress.truth)."""
    return {(r["native_id"], r["kind"], r["thread_native_id"], r["thread_title"],
             r["container"], r["position"], r["author_name"], r["author_id"],
             datetime.fromisoformat(r["published_at"]), r["body_text"],
             tuple(r["quoted_native_ids"]), r["parent_native_id"])
            for r in of_type(rows, "PostItem")}


@pytest.fixture(scope="module")
def rest_site() -> Iterator[WordPressServer]:
    with WordPressServer(build_forum()) as server:
        yield server


@pytest.fixture(scope="module")
def rest_crawl(rest_site: WordPressServer, tmp_path_factory: pytest.TempPathFactory,
               ) -> tuple[Rows, set[tuple[Any, ...]]]:
    """One full crawl through the REST API, and the truth it was made against."""
    expected = truth(rest_site, "rest")
    rows = crawl_items("wordpress", rest_site.url, tmp_path_factory.mktemp("wp-rest"))
    return rows, expected


def test_rest_crawl_gives_every_post_and_comment(rest_site: WordPressServer,
                                                 rest_crawl: tuple[Rows, set[Any]]) -> None:
    rows, expected = rest_crawl
    posts = of_type(rows, "PostItem")
    assert len(posts) == len(expected) == len(post_rows(rows))
    assert post_rows(rows) == expected
    assert {p["kind"] for p in posts} == {"article", "comment"}
    assert all(p["published_via"] == "api" for p in posts)
    threads = of_type(rows, "ThreadItem")
    blog = rest_site.blog()
    assert {t["native_id"] for t in threads} == {str(i) for i in blog.articles}
    for thread in threads:
        article = blog.articles[int(thread["native_id"])]
        assert thread["complete"]
        assert thread["post_native_ids"] == [str(article.post_id)] + [
            str(c.comment_id) for c in article.display_order()]
        assert thread["pages"] == (2 if article.comments else 1)
        assert thread["url"].startswith(f"{rest_site.url}wp-json/wp/v2/posts/")
    paths = rest_site.request_log.snapshot()
    assert all(p.startswith("/wp-json/wp/v2/") for p in paths if p != "/robots.txt")


def test_without_rest_api_the_theme_gives_the_same_posts(
        tmp_path: Path, rest_crawl: tuple[Rows, set[Any]]) -> None:
    with WordPressServer(build_forum(), rest=False) as site:
        rows = crawl_items("wordpress", site.url, tmp_path)
        expected = truth(site, "html")
        paths = site.request_log.snapshot()
    assert post_rows(rows) == expected
    # The same posts as through the API; only author ids differ (nicenames, no deleted ids).
    drop_author = {(*r[:7], *r[8:]) for r in expected}
    assert drop_author == {(*r[:7], *r[8:]) for r in rest_crawl[1]}
    assert paths[1].startswith("/wp-json/wp/v2/posts?")
    assert paths[2].startswith("/?") and "rest_route" in paths[2]
    assert paths[3] == "/"
    assert not any("wp-json" in p or "rest_route" in p for p in paths[4:])
    assert stats(rows)["downloader/response_status_count/404"] == 2
    assert len(of_type(rows, "ThreadItem")) == 66


def test_incremental_crawl_fetches_only_changed_threads(
        rest_site: WordPressServer, rest_crawl: tuple[Rows, set[Any]], tmp_path: Path) -> None:
    rows, _ = rest_crawl
    known = known_threads(rows)
    forum = rest_site.forum
    with rest_site.lock:
        commented, edited = [t for t in forum.threads.values() if len(t.posts) > 5][:2]
        reply_to = commented.posts[3].post_id
        added = forum.add_post(commented.thread_id, "Setuju, mari kita kawal bersama.",
                               author_name="pembaca setia", quote_post_id=reply_to)
        forum.edit_post(edited.posts[0].post_id, "Artikel ini sudah diperbarui.")
    rest_site.request_log.clear()
    again = crawl_items("wordpress", rest_site.url, tmp_path, known_threads=known)
    changed = {str(commented.thread_id), str(edited.thread_id)}
    expected = {r for r in truth(rest_site, "rest") if r[2] in changed}
    assert post_rows(again) == expected
    assert (str(added.post_id), "comment") in {r[:2] for r in expected}
    assert {t["native_id"] for t in of_type(again, "ThreadItem")} == changed
    assert stats(again)["pantau/threads_unchanged"] == len(known) - 2
    fetched = {p for p in rest_site.request_log.snapshot() if "/posts/" in p}
    assert len(fetched) == 2
