"""Incremental re-crawls of a rendered source: only what is new is rendered, and exactly stored.

The JavaScript-only forum (tests/sites/rendered.py), one board of 28 threads shown 10 at a
time by infinite scroll, is crawled through the real runner in Chromium. The server's request
log counts the pages the browser opened; the spider's stats count the scrolls and clicks done
in pages (``render_actions``) and the loops an incremental crawl ended at a batch of stored
rows (``render_stopped_at_stored``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler.config.sources import Source
from crawler.demosite import build_forum
from crawler.runner import CrawlSpec, run_crawl
from crawler.runner.outcome import SUCCEEDED, judge
from crawler.storage.runs import RunStore
from tests.chromium import chromium_path, short_tmpdir
from tests.sites.rendered import RENDER, SELECTORS, RenderedForumServer, truth
from tests.workers import worker_env

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

BOARD = 2  # 28 threads: 10 shown, 10 more per scroll
COLUMNS = ("native_id", "thread_native_id", "thread_title", "position", "author_name",
           "published_at", "body_text", "quoted_native_ids")


@pytest.fixture
def site() -> Iterator[RenderedForumServer]:
    """Board 2 of the demo forum, each thread cut to 3 posts but one to 12 (its page needs a
    scroll and a click of "Muat lagi")."""
    chromium_path()
    forum = build_forum(seed=62)
    topics = forum.topics(BOARD)
    longer = next(t for t in topics if len(t.posts) >= 12).thread_id
    threads = {t.thread_id: replace(t, posts=t.posts[:12 if t.thread_id == longer else 3])
               for t in topics}
    with RenderedForumServer(replace(forum, threads=threads)) as server:
        yield server


class Crawls:
    """Crawls of one rendered source into one database, and what they stored."""

    def __init__(self, site: RenderedForumServer, database: str, redis_url: str,
                 tmpdir: Path) -> None:
        self.site, self.database = site, database
        self.env = worker_env(database, redis_url, tmpdir / "state", TMPDIR=str(tmpdir))
        self.source = Source.model_validate({
            "name": "forum-js-incr", "kind": "rendered", "url": f"{site.url}papan/{BOARD}",
            "region": "62", "authors": "keep", "selectors": SELECTORS, "render": RENDER})

    def crawl(self, deep: bool = False) -> dict[str, Any]:
        """One crawl; its final stats, with the pages the browser opened as ``fetched``."""
        with psycopg.connect(self.database) as conn:
            run_id = RunStore(conn).create(self.source.name, "62")
        spec = CrawlSpec.for_source(self.source, run_id).model_copy(update={"deep": deep})
        self.site.request_log.clear()
        outcome = run_crawl(spec, env=self.env, timeout=150)
        assert outcome.final, outcome.stderr_tail[-3000:]
        assert judge(outcome, spec)[0] == SUCCEEDED, judge(outcome, spec)
        self.site_key = spec.site
        fetched = [p for p in self.site.request_log.snapshot() if p != "/robots.txt"]
        return {**outcome.stats, "fetched": fetched}

    def stored(self) -> set[tuple[Any, ...]]:
        with psycopg.connect(self.database) as conn:
            return {(*row[:7], tuple(row[7])) for row in conn.execute(
                f"SELECT {', '.join(COLUMNS)} FROM posts WHERE site = %s "
                "AND deleted_at IS NULL", [self.site_key])}

    def truth(self) -> set[tuple[Any, ...]]:
        return {(r[0], r[1], r[2], r[3], r[4], r[6], r[7], tuple(r[8]))
                for r in truth(self.site.forum)}


@pytest.fixture
def crawls(site: RenderedForumServer, fresh_migrated_database: str,
           redis_url: str) -> Iterator[Crawls]:
    with short_tmpdir() as tmpdir:
        yield Crawls(site, fresh_migrated_database, redis_url, tmpdir)


def test_a_rendered_recrawl_renders_and_stores_only_what_is_new(crawls: Crawls) -> None:
    site = crawls.site
    threads = len(site.forum.topics(BOARD))
    assert threads == 28

    first = crawls.crawl()
    assert crawls.stored() == crawls.truth()
    assert first["posts_new"] == len(crawls.truth())
    assert first["browser_pages"] == len(first["fetched"]) == 1 + threads
    # the board: two scrolls that added rows, one more that found nothing; thread pages
    # scrolled (and one clicked) until nothing more came
    assert first["render_actions"] >= 3 + threads
    assert first["render_stopped_at_stored"] == 0

    # Unchanged: the first ten rows are all stored and unchanged, so the board is not
    # scrolled at all (neither loop of its page runs), and no thread page is opened.
    again = crawls.crawl()
    assert (again["items"], again["posts_new"]) == (0, 0)
    assert again["fetched"] == [f"/papan/{BOARD}"]
    assert again["browser_pages"] == 1
    assert again["render_actions"] == 0
    assert again["render_stopped_at_stored"] == 2  # the scroll and the "load more" loop
    assert again["threads_unchanged"] == 10
    assert crawls.stored() == crawls.truth()

    # Four new posts: replies in the longest thread, in one shown only after the first
    # scroll and in the last one listed (they now list first), and a new thread.
    listed = site.forum.topics(BOARD)
    longest = max(listed, key=lambda t: len(t.posts))
    others = [t for t in listed if t is not longest]
    changed = [longest.thread_id, others[14].thread_id, others[-1].thread_id]
    added = site.add_replies(changed)
    new_thread = site.add_thread(BOARD, "Banjir di Jalan Tjilik Riwut", "Air naik lagi pagi ini")
    news = crawls.crawl()
    assert news["posts_new"] == len(added) + 1 == 4
    assert crawls.stored() == crawls.truth()
    # one scroll showed rows 11-20, all unchanged: the list ends there
    assert news["render_actions"] - rendered_thread_actions(news) == 1
    assert news["threads_unchanged"] == 16
    opened = sorted(p for p in news["fetched"] if p.startswith("/topik/"))
    assert opened == sorted(f"/topik/{t}" for t in [*changed, new_thread.thread_id])
    assert news["browser_pages"] == 1 + 4

    # A deep crawl walks everything again: every row, every thread page.
    deep = crawls.crawl(deep=True)
    assert deep["posts_new"] == 0
    assert deep["browser_pages"] == 1 + threads + 1
    assert deep["render_stopped_at_stored"] == 0
    assert deep["render_actions"] >= first["render_actions"]
    assert crawls.stored() == crawls.truth()


def rendered_thread_actions(stats: dict[str, Any]) -> int:
    """Scrolls and clicks on the thread pages of a crawl: one scroll that finds nothing more
    per page of at most five posts; the longest thread (13 posts now) two scrolls (one adds
    five) and one click (which shows the last three and hides the button)."""
    pages = [p for p in stats["fetched"] if p.startswith("/topik/")]
    return len(pages) - 1 + 3
