"""A JavaScript-only forum crawled through the runner in Chromium, into PostgreSQL.

Posts, thread rows and links exist only once the page's script ran, and most of them only
after scrolling and clicking "Muat lagi" (tests/sites/rendered.py). Every crawl here runs the
real runner: a spider process with scrapy-playwright driving the system Chromium.
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
from crawler.runner import CrawlOutcome, CrawlSpec, run_crawl
from crawler.runner.outcome import FAILED, SUCCEEDED, judge
from crawler.storage.runs import RunStore
from tests.chromium import (
    chromium_path,
    chromium_processes,
    short_tmpdir,
    wait_for_no_chromium,
)
from tests.sites.rendered import RENDER, SELECTORS, RenderedForumServer, truth
from tests.workers import worker_env

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

BOARD = 4  # 12 threads (10 shown, 2 more on scrolling), 244 posts on 20 thread pages
COLUMNS = ("native_id", "thread_native_id", "thread_title", "position", "author_name",
           "published_at", "body_text", "quoted_native_ids")


@pytest.fixture(scope="module")
def site() -> Iterator[RenderedForumServer]:
    chromium_path()
    with RenderedForumServer(build_forum(seed=62)) as server:
        yield server


@pytest.fixture
def browser_tmpdir() -> Iterator[Path]:
    with short_tmpdir() as path:
        yield path


def crawl(database: str, redis_url: str, tmpdir: Path, url: str, render: dict[str, Any],
          deep: bool = False, **env: str) -> tuple[CrawlSpec, CrawlOutcome, int]:
    """One crawl of a rendered source through the runner; spiders get ``tmpdir`` as TMPDIR
    (tests/chromium.py). The most Chromium processes seen are in stats["chromium"]."""
    source = Source.model_validate({"name": "forum-js", "kind": "rendered", "url": url,
                                    "region": "62", "authors": "keep", "selectors": SELECTORS,
                                    "render": render})
    with psycopg.connect(database) as conn:
        run_id = RunStore(conn).create(source.name, "62")
    spec = CrawlSpec.for_source(source, run_id).model_copy(update={"deep": deep})
    seen = [0]

    def progress(_: dict[str, Any]) -> None:
        seen[0] = max(seen[0], len(chromium_processes(tmpdir)))

    outcome = run_crawl(spec, on_progress=progress, timeout=150, env=worker_env(
        database, redis_url, tmpdir / "state", TMPDIR=str(tmpdir), **env))
    assert outcome.final, outcome.stderr_tail[-3000:]
    outcome.stats["chromium"] = seen[0]
    return spec, outcome, run_id


def stored(database: str, run_id: int) -> set[tuple[Any, ...]]:
    with psycopg.connect(database) as conn:
        return {(*row[:7], tuple(row[7])) for row in conn.execute(
            f"SELECT {', '.join(COLUMNS)} FROM posts WHERE crawl_run = %s", [run_id])}


def test_a_board_is_crawled_to_its_truth_with_pages_capped_and_closed(
        site: RenderedForumServer, database: str, redis_url: str,
        browser_tmpdir: Path) -> None:
    spec, outcome, run_id = crawl(database, redis_url, browser_tmpdir,
                                  f"{site.url}papan/{BOARD}", RENDER,
                                  PANTAU_BROWSER_MAX_PAGES="3")
    stats = outcome.stats
    threads = {str(t.thread_id) for t in site.forum.topics(BOARD)}
    expected = {(r[0], r[1], r[2], r[3], r[4], r[6], r[7], tuple(r[8]))
                for r in truth(site.forum) if r[1] in threads}
    assert judge(outcome, spec) == (SUCCEEDED, None)
    assert stored(database, run_id) == expected
    assert stats["posts_new"] == len(expected) == 244
    assert stats["threads_complete"] == 12 and stats["render_truncated"] == 0
    # every page (robots.txt aside) went through the browser, at most three at once (the
    # spider may have eight requests in flight), and each was closed
    assert stats["pages"] - 1 == stats["browser_pages"] == stats["browser_pages_closed"] == 21
    assert 1 <= stats["browser_pages_max_open"] <= 3
    assert stats["chromium"] > 0, "Chromium was never seen running"
    assert wait_for_no_chromium(browser_tmpdir, timeout=5) == []


def test_a_page_cut_short_by_its_bound_loses_nothing_stored(
        site: RenderedForumServer, database: str, redis_url: str,
        browser_tmpdir: Path) -> None:
    """A thread crawled whole, then (deep) with too few clicks allowed: the posts the second
    crawl missed are not judged deleted, and no stored position or resume point changes."""
    thread = next(t for t in site.forum.topics(BOARD) if len(t.posts) == 26)  # pages 20 + 6
    one_thread = replace(site.forum, threads={thread.thread_id: thread})
    with RenderedForumServer(one_thread) as small:
        url = f"{small.url}papan/{BOARD}"
        first, whole, _ = crawl(database, redis_url, browser_tmpdir, url, RENDER)
        assert (whole.stats["posts_new"], whole.stats["threads_complete"]) == (26, 1)
        before = positions(database, first.site)
        assert sorted(before.values()) == list(range(1, 27))
        render = {**RENDER, "click_more": {**RENDER["click_more"], "max_clicks": 1}}
        spec, cut, _ = crawl(database, redis_url, browser_tmpdir, url, render, deep=True)
    stats = cut.stats
    # page 1: 5 shown, 5 more by scrolling, 5 by the one click allowed; page 2: 5 + 1
    assert stats["items"] == 15 + 6 and stats["posts_new"] == 0
    assert stats["render_truncated"] == 1 and stats["threads_complete"] == 0
    assert stats["posts_deleted"] == 0
    assert judge(cut, spec)[0] == SUCCEEDED
    assert positions(database, spec.site) == before
    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT post_count, last_page_position FROM threads WHERE site = %s",
                            [spec.site]).fetchall()
        deleted = conn.execute("SELECT count(*) FROM posts WHERE site = %s AND deleted_at "
                               "IS NOT NULL", [spec.site]).fetchone()
    assert rows == [(26, 21)] and deleted == (0,)
    assert wait_for_no_chromium(browser_tmpdir, timeout=5) == []


def positions(database: str, site: str) -> dict[str, int]:
    with psycopg.connect(database) as conn:
        return dict(conn.execute("SELECT native_id, position FROM posts WHERE site = %s",
                                 [site]).fetchall())


def test_a_page_that_never_renders_fails_with_a_clear_reason(
        site: RenderedForumServer, database: str, redis_url: str,
        browser_tmpdir: Path) -> None:
    thread = site.forum.topics(BOARD)[0]
    url = f"{site.url}topik/{thread.thread_id}"
    spec, outcome, _ = crawl(database, redis_url, browser_tmpdir, url,
                             {"wait_for": "div.tidak-ada", "timeout": 2})
    status, reason = judge(outcome, spec)
    assert status == FAILED
    assert reason == (f"no posts: RenderError: render: nothing matched div.tidak-ada within "
                      f"2 s (render.wait_for) ({url})")
    assert outcome.stats["browser_pages"] == outcome.stats["browser_pages_closed"] == 1
    assert [r["kind"] for r in outcome.stats["error_reasons"]] == ["timeout"]
    assert wait_for_no_chromium(browser_tmpdir, timeout=5) == []

