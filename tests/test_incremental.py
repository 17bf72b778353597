"""Incremental re-crawls: only what can hold something new is fetched, and exactly that stored.

Crawls run through the real runner (spider subprocess, pipelines, PostgreSQL), without Celery,
against the phpBB demo forum; the server's request log counts the pages fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from crawler.config.sources import Source
from crawler.demosite import DemoForumServer, build_forum
from crawler.extract import site_key
from crawler.items import post_uid
from crawler.runner import CrawlSpec, run_crawl
from crawler.storage.runs import RunStore
from tests.workers import worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def server() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=62)) as site:
        yield site


class Crawler:
    """Runs crawls of one source into one database and reads what they stored."""

    def __init__(self, server: DemoForumServer, database: str, redis_url: str,
                 env: dict[str, str], **source: Any) -> None:
        self.server, self.database, self.env = server, database, env
        self.source = Source.model_validate({
            "name": "forum-incr", "kind": "forum", "engine": "phpbb", "url": server.url,
            "region": "62", "authors": "keep", **source})

    def crawl(self, deep: bool = False) -> dict[str, Any]:
        """One crawl; returns its final statistics plus the pages the server answered."""
        with psycopg.connect(self.database) as conn:
            run_id = RunStore(conn).create(self.source.name, "62")
        spec = CrawlSpec.for_source(self.source, run_id).model_copy(update={"deep": deep})
        self.server.request_log.clear()
        outcome = run_crawl(spec, env=self.env, timeout=180)
        assert outcome.returncode == 0 and outcome.final, outcome.stderr_tail[-2000:]
        pages = [p for p in self.server.request_log if p != "/robots.txt"]
        return {**outcome.stats, "fetched": pages}

    def stored(self) -> set[tuple[Any, ...]]:
        with psycopg.connect(self.database) as conn:
            return set(conn.execute(
                "SELECT uid, thread_native_id, position, author_name, published_at, body_text "
                "FROM posts WHERE source = %s AND deleted_at IS NULL", [self.source.name]))

    def truth(self) -> set[tuple[Any, ...]]:
        site = site_key(self.server.url)
        return {(post_uid("phpbb", site, "post", p.native_id), p.thread_native_id, p.position,
                 p.author_name, p.published_at, p.body_text)
                for p in self.server.forum.truth()}

    def counts(self) -> tuple[int, int]:
        with psycopg.connect(self.database) as conn:
            posts = conn.execute("SELECT count(*) FROM posts").fetchone()
            versions = conn.execute("SELECT count(*) FROM post_versions").fetchone()
        assert posts is not None and versions is not None
        return posts[0], versions[0]


@pytest.fixture
def crawler(server: DemoForumServer, fresh_migrated_database: str, redis_url: str,
            tmp_path: Any) -> Crawler:
    env = worker_env(fresh_migrated_database, redis_url, tmp_path)
    return Crawler(server, fresh_migrated_database, redis_url, env)


def test_unchanged_forum_recrawl_fetches_under_5_percent(crawler: Crawler) -> None:
    full = crawler.crawl()
    assert crawler.stored() == crawler.truth()
    again = crawler.crawl()
    assert again["items"] == 0
    # Every thread on the first list page of each board is unchanged: later pages are skipped.
    assert again["threads_unchanged"] >= len(crawler.server.forum.threads) // 2
    ratio = len(again["fetched"]) / len(full["fetched"])
    assert ratio <= 0.05, (len(again["fetched"]), len(full["fetched"]), again["fetched"])
    assert not any("viewtopic.php" in page for page in again["fetched"])


def test_new_replies_edit_and_new_thread_are_stored_exactly(crawler: Crawler) -> None:
    forum = crawler.server.forum
    crawler.crawl()
    posts_before, versions_before = crawler.counts()
    long_thread = next(t for t in forum.threads.values() if len(t.posts) == 20)  # 2 full pages
    short_thread = next(t for t in forum.threads.values() if 3 <= len(t.posts) < 10)
    # A reply that opens a new page, a reply on the same page, and an edit on that page.
    forum.add_post(long_thread.thread_id, "Balasan baru di halaman tiga")
    forum.add_post(short_thread.thread_id, "Setuju, jalan itu rusak lagi",
                   author_name="warga sampit", quote_post_id=short_thread.posts[0].post_id)
    forum.edit_post(short_thread.posts[-2].post_id, "Isi yang sudah diperbaiki penulisnya")
    again = crawler.crawl()
    assert crawler.stored() == crawler.truth()
    assert crawler.counts() == (posts_before + 2, versions_before + 1)
    assert (again["posts_new"], again["posts_edited"]) == (2, 1)
    topics = [p for p in again["fetched"] if "viewtopic.php" in p]
    # the long thread: its old last page (now full) and the new third page; the short: one page
    assert len(topics) == 3, topics
    # positions continue where the stored thread ended
    with psycopg.connect(crawler.database) as conn:
        row = conn.execute("SELECT position FROM posts WHERE native_id = %s",
                           [str(long_thread.posts[-1].post_id)]).fetchone()
    assert row == (21,)


def test_deletions_wait_for_a_deep_crawl(crawler: Crawler) -> None:
    forum = crawler.server.forum
    crawler.crawl()
    thread = max(forum.threads.values(), key=lambda t: len(t.posts))
    victim = thread.posts[3]
    forum.delete_post(victim.post_id)
    incremental = crawler.crawl()
    assert incremental.get("posts_deleted", 0) == 0  # one resumed page proves nothing
    deep = crawler.crawl(deep=True)
    assert deep["posts_deleted"] == 1
    assert crawler.stored() == crawler.truth()
    pages = sum(-(-len(t.posts) // 10) for t in forum.threads.values())
    assert len([p for p in deep["fetched"] if "viewtopic.php" in p]) == pages


def test_a_changed_thread_whose_last_known_post_vanished_is_refetched_whole(
        crawler: Crawler) -> None:
    forum = crawler.server.forum
    crawler.crawl()
    thread = next(t for t in forum.threads.values() if 12 <= len(t.posts) < 20)
    forum.delete_post(thread.posts[-1].post_id)
    forum.add_post(thread.thread_id, "Tanggapan pengganti", published_at=forum.now
                   + timedelta(minutes=5))
    again = crawler.crawl()
    assert again["threads_refetched"] == 1
    assert again["posts_deleted"] == 1  # refetched from its first page: a complete thread
    assert crawler.stored() == crawler.truth()


def test_sharded_recrawl_plans_only_changed_threads(crawler: Crawler) -> None:
    forum = crawler.server.forum
    crawler.crawl()  # unsharded: stores every thread and where it resumes
    crawler.source = crawler.source.model_copy(update={"threads_per_shard": 5})
    changed = next(iter(forum.threads.values()))
    forum.add_post(changed.thread_id, "Kabar terbaru dari Sampit")
    plan = crawler.crawl()
    assert plan["threads_found"] == 1
    assert plan["shards"] == 1
    with psycopg.connect(crawler.database) as conn:
        row = conn.execute("SELECT urls, signatures FROM crawl_shards").fetchone()
    assert row is not None
    url = f"{crawler.server.url}viewtopic.php?t={changed.thread_id}"
    assert row[0] == [url]
    assert row[1] == {url: f"{len(changed.posts) - 1}|{changed.posts[-1].post_id}"}
