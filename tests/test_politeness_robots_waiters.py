"""Every request that waits for robots.txt is checked against it, not only the first one.

A shard starts with all its thread URLs at once; they all wait while robots.txt is fetched.
Scrapy 2.19's own RobotsTxtMiddleware hands the parser to the first waiter only and lets
the others through unchecked; crawler.politeness.obey checks them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from crawler.config.sources import Source
from crawler.demosite import build_forum
from crawler.runner import CrawlSpec, run_crawl
from crawler.storage.runs import RunStore
from tests.sitelog import LoggedForumServer
from tests.workers import worker_env

pytestmark = [pytest.mark.integration]


@pytest.fixture
def forum() -> Iterator[tuple[LoggedForumServer, list[int]]]:
    site = build_forum(seed=62)
    threads = sorted(site.threads)[:8]
    disallowed = threads[1::2]  # not the first: every waiter after it must be checked
    robots = "User-agent: *\n" + "".join(
        f"Disallow: /viewtopic.php?t={t}$\nDisallow: /viewtopic.php?*&t={t}$\n"
        for t in disallowed)
    with LoggedForumServer(site, robots=robots) as server:
        yield server, disallowed


def test_all_start_requests_of_a_shard_obey_robots(
        fresh_migrated_database: str, redis_url: str,
        forum: tuple[LoggedForumServer, list[int]], tmp_path: Path) -> None:
    server, disallowed = forum
    with psycopg.connect(fresh_migrated_database) as conn:
        run_id = RunStore(conn).create("forum-robots", "62")
    source = Source.model_validate({
        "name": "forum-robots", "kind": "forum", "engine": "phpbb", "url": server.url,
        "region": "62", "authors": "keep", "threads_per_shard": 8,
        "politeness": {"download_delay": 0, "concurrent_requests": 8}})
    threads = sorted(server.forum.threads)[:8]
    spec = CrawlSpec.for_source(source, run_id).for_shard(
        0, [f"{server.url}viewtopic.php?t={t}" for t in threads])
    outcome = run_crawl(spec, env=worker_env(fresh_migrated_database, redis_url, tmp_path),
                        timeout=60)
    assert outcome.returncode == 0, outcome.stderr_tail
    fetched = {h.page for h in server.log() if h.status == 200}
    assert [t for t in disallowed if ("/viewtopic.php", f"t={t}") in fetched] == []
    allowed = [t for t in threads if t not in disallowed]
    assert all(("/viewtopic.php", f"t={t}") in fetched for t in allowed), fetched
    forbidden = [r for r in outcome.stats["error_reasons"] if "robots.txt" in r["message"]]
    assert len(forbidden) == len(disallowed)
